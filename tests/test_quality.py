"""Quality flags: near duplicates, look-alike actions, label words, value not named."""

from __future__ import annotations

from valuegap_tui import quality
from valuegap_tui.store import dilemmas as dilemma_store
from tests.conftest import make_dilemma

DISTINCT = ["Vote openly against the plan", "Ask for a week of delay", "Abstain quietly tonight",
            "Follow the party line", "Trade your vote for a favour", "Leak the plan to the press"]
SCENARIO = ("You sit on the town council and must vote tonight on a zoning plan; wisdom asks you to weigh "
            "the long-term consequences for the whole town against the wishes of your party.")


def test_label_words_are_found_and_ordinary_words_are_not():
    assert quality.label_leaks("Pick the moderately opposing path") == ["moderately opposing"]
    assert quality.label_leaks("This choice is Strongly-Aligning") == ["Strongly-Aligning"]
    assert quality.label_leaks("act against the value of honesty") == ["against the value"]
    assert quality.label_leaks("Support the opposing team at the match") == []


def test_clean_dilemma_has_no_flags():
    d = make_dilemma(value="wisdom", scenario=SCENARIO, texts=DISTINCT)
    assert quality.compute_flags([d]) == {d.id: []}


def test_each_problem_gives_its_flag():
    similar = ["Vote openly against the zoning plan tonight", "Vote openly against the zoning plan today"] + DISTINCT[2:]
    d_similar = make_dilemma(value="wisdom", scenario=SCENARIO, texts=similar)
    d_leak = make_dilemma(value="wisdom", topic="religion", scenario=SCENARIO + " Choose the mildly aligning act.",
                          texts=DISTINCT)
    d_absent = make_dilemma(value="honest", topic="environment",
                            scenario="You run a factory by a river and a big order has arrived.", texts=DISTINCT)
    flags = quality.compute_flags([d_similar, d_leak, d_absent])
    assert quality.SIMILAR_ACTIONS in flags[d_similar.id]
    assert quality.LABEL_LEAK in flags[d_leak.id] and quality.LABEL_LEAK not in flags[d_similar.id]
    assert flags[d_absent.id] == [quality.VALUE_ABSENT]
    # the first two share almost all of their scenario; the third does not
    assert quality.NEAR_DUPLICATE in flags[d_similar.id] and quality.NEAR_DUPLICATE in flags[d_leak.id]
    assert quality.NEAR_DUPLICATE not in flags[d_absent.id]


def test_near_duplicate_threshold_is_respected():
    a = make_dilemma(value="wisdom", scenario=SCENARIO, texts=DISTINCT)
    b = make_dilemma(value="wisdom", topic="religion", scenario=SCENARIO.replace("tonight", "tomorrow"), texts=DISTINCT)
    [(x, y, score)] = quality.near_duplicate_pairs([a, b], threshold=0.5)
    assert {x, y} == {a.id, b.id} and 0.5 <= score < 1.0
    assert quality.near_duplicate_pairs([a, b], threshold=0.999) == []


def test_value_named_through_its_gloss():
    d = make_dilemma(value="honest", scenario="You must decide whether to be sincere with your client.", texts=DISTINCT)
    assert quality.value_mentioned(d)


def test_refresh_stores_flags_and_keeps_other_flags(study):
    clean = make_dilemma(value="wisdom", scenario=SCENARIO, texts=DISTINCT, flags=["reviewer_note"])
    absent = make_dilemma(value="honest", topic="environment", scenario="You run a factory by a river.", texts=DISTINCT)
    dilemma_store.save_many(study, [clean, absent], who="t", action="import")
    counts = quality.refresh_flags(study)
    assert counts[quality.VALUE_ABSENT] == 1
    assert dilemma_store.get(study, absent.id).flags == [quality.VALUE_ABSENT]
    assert dilemma_store.get(study, clean.id).flags == ["reviewer_note"]
    revision = dilemma_store.get_revision(study, absent.id) if hasattr(dilemma_store, "get_revision") else None
    quality.refresh_flags(study)  # unchanged flags write nothing new
    assert len(dilemma_store.history(study, absent.id)) == 2
    assert revision is None or revision == 2


def test_flags_command_reports_counts(study):
    import subprocess
    import sys

    absent = make_dilemma(value="honest", topic="environment", scenario="You run a factory by a river.", texts=DISTINCT)
    dilemma_store.save(study, absent, who="t", action="import")
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "flags", "--study", str(study.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "value_absent: 1" in result.stdout
    assert dilemma_store.get(study, absent.id).flags == [quality.VALUE_ABSENT]
