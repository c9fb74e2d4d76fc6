"""The review list's filter, without a screen: what a person types, read with the design's words, and
the rows it keeps."""

from __future__ import annotations

from valuegap_tui.designs import get_design
from valuegap_tui.review.filters import Filter, matching, parse_filter
from valuegap_tui.store.item_rows import ItemRow

POSTER = get_design("graded_actions").review_parts().vocabulary()
VALACT = get_design("valact").review_parts().vocabulary()


def row(item_id, value="wisdom", topic="politics", status="draft", flags=()):
    return ItemRow(item_id, value, topic, 1, status, tuple(flags), None, 1, "")


ROWS = [row("a"), row("b", value="honest", status="accepted"), row("c", topic="religion", flags=("label_doubt",)),
        row("d", value="wealth", status="rejected"), row("q", value="power", topic="questionnaire")]


def ids(rows):
    return [r.id for r in rows]


def test_words_are_read_with_the_designs_names_and_mistakes_are_reported():
    parsed = parse_filter("status:accepted value:Honest topic:Politics type:benevolence bribe money", POSTER)
    assert (parsed.status, parsed.value, parsed.topic, parsed.type) == ("accepted", "honest", "politics", "benevolence")
    assert parsed.text == "bribe money" and parsed.problems == []
    assert parse_filter("status:needs-edit", POSTER).problems == []
    assert parse_filter("status:needs-edit", VALACT).problems == ["unknown status 'needs-edit'"]  # not valact's
    bad = parse_filter("stauts:x value:wisdon topic:[red]x", POSTER)
    assert bad.problems == ["unknown filter key 'stauts' (keys: status, value, type, topic, flag, conflict)",
                            "unknown value 'wisdon'", "unknown topic '[red]x'"]
    assert bad.text == ""  # a mistake is never taken as words to search
    assert parse_filter("value:Self-direction topic:questionnaire", VALACT).problems == []
    assert parse_filter("value:Self-direction", VALACT).value == "self_direction"
    assert parse_filter("a:b:c 12:30", POSTER).text == "12:30"  # not a key: a word


def test_each_key_keeps_its_rows_and_hidden_topics_come_only_when_named():
    def keep(query, **kw):
        return ids(matching(ROWS, parse_filter(query, POSTER), POSTER, **kw))

    assert keep("") == ["a", "b", "c", "d", "q"]
    assert keep("", hidden_topics=("questionnaire",)) == ["a", "b", "c", "d"]
    assert keep("status:accepted") == ["b"] and keep("value:wealth") == ["d"] and keep("topic:religion") == ["c"]
    assert keep("flag:label_doubt") == ["c"]
    assert keep("type:benevolence") == ["b"]  # honest is a benevolence value
    assert keep("status:draft words", text_matches={"c", "d"}) == ["c"]
    assert keep("conflict:yes", in_conflict={"a", "d"}) == ["a", "d"]
    questionnaire = parse_filter("topic:questionnaire", VALACT)
    assert ids(matching(ROWS, questionnaire, VALACT, hidden_topics=("questionnaire",))) == ["q"]
    assert ids(matching(ROWS, parse_filter("type:power", VALACT), VALACT)) == ["q"]
    assert Filter(status="draft", text="x").describe() == "status:draft 'x'"
