"""Quality flags: near duplicates, look-alike actions, label words, value not named."""

from __future__ import annotations

from valuegap_tui.dataset import quality
from valuegap_tui.store import dilemmas as dilemma_store
from tests.helpers.dilemmas import make_dilemma

DISTINCT = ["Vote openly against the plan tonight", "Ask for a week of delay", "Abstain quietly when the vote comes",
            "Follow the party line as told", "Trade your vote for a favour", "Leak the plan to the press"]
# no word of "honest" or its gloss, told to "you", as long as the prompt asks
ABSENT = ("You run a factory by a river and a big order has arrived from a customer you cannot afford to lose. "
          "Your workers are tired after a long month, the machines need a service, and the buyer wants the goods "
          "by Friday. Your foreman says the only way is to skip the weekly checks and run the lines through the "
          "night, and you have to tell him by noon.")
SCENARIO = ("You sit on the town council and must vote tonight on a zoning plan; wisdom asks you to weigh "
            "the long-term consequences for the whole town against the wishes of your party. Your neighbours "
            "have asked you to listen to them first, the evidence you were given is thin and partly out of date, "
            "and whatever you decide will be remembered at the next election.")


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
                            scenario=ABSENT, texts=DISTINCT)
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
    absent = make_dilemma(value="honest", topic="environment", scenario=ABSENT, texts=DISTINCT)
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

    absent = make_dilemma(value="honest", topic="environment", scenario=ABSENT, texts=DISTINCT)
    dilemma_store.save(study, absent, who="t", action="import")
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "flags", "--study", str(study.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "value_absent: 1" in result.stdout
    assert dilemma_store.get(study, absent.id).flags == [quality.VALUE_ABSENT]


# --- validity checks -------------------------------------------------------------------------
import re  # noqa: E402

import pytest  # noqa: E402

from valuegap_tui.paths import PROMPTS_DIR  # noqa: E402


def test_word_bounds_are_the_prompts():
    prompt = (PROMPTS_DIR / "generate_dilemma.user.txt").read_text(encoding="utf-8")
    scenario = re.search(r"scenario \((\d+)-(\d+) words\)", prompt)
    actions = re.search(r"each (\d+)-(\d+) words", prompt)
    assert tuple(map(int, scenario.groups())) == quality.PROMPT_SCENARIO_WORDS
    assert tuple(map(int, actions.groups())) == quality.PROMPT_ACTION_WORDS
    short = make_dilemma(value="wisdom", scenario=" ".join(SCENARIO.split()[:40]), texts=DISTINCT)
    assert quality.word_bound_problems(short) == ["scenario 40 words (asked 60-180)"]
    terse = make_dilemma(value="wisdom", scenario=SCENARIO, texts=["Wait"] + DISTINCT[1:])
    assert quality.word_bound_problems(terse) == ["action 1 1 words (asked 5-40)"]
    assert quality.compute_flags([short])[short.id] == [quality.WORD_BOUNDS]


def test_second_person_scenario():
    third = SCENARIO.replace("You sit", "Maria sits").replace("asks you", "asks her").replace("your", "her")
    third = third.replace("Your neighbours have asked you", "Her neighbours have asked her").replace("you were", "she was")
    third = third.replace("you decide", "she decides")
    assert quality.second_person(third) == (0, 0)
    first = SCENARIO.replace("You sit", "I sit").replace("asks you", "asks me").replace("your", "my")
    first = first.replace("Your neighbours have asked you", "My neighbours have asked me").replace("you were", "I was")
    first = first.replace("you decide", "I decide")
    flags = quality.compute_flags([make_dilemma(value="wisdom", scenario=s, texts=DISTINCT, variant=i)
                                   for i, s in enumerate((SCENARIO, third, first), start=1)])
    assert [quality.NOT_SECOND_PERSON in f for f in flags.values()] == [False, True, True]


def lengths_dilemma(variant, aligning_words, opposing_words, value="wisdom"):
    def text(n, k):
        return " ".join([f"act{variant}x{k}"] + ["carefully"] * (n - 1))
    texts = [text(aligning_words + k, k) for k in range(3)] + [text(opposing_words + k, k + 3) for k in range(3)]
    return make_dilemma(value=value, variant=variant, scenario=SCENARIO, texts=texts)


def test_length_cue_is_flagged_per_set_when_length_predicts_the_side():
    cued = [lengths_dilemma(v, 16, 8) for v in range(1, 21)]
    cue = quality.length_cue(cued)
    assert cue.flagged and cue.auc == 1.0 and cue.z == pytest.approx(0.5 / (quality._NULL_AUC_SD / 20 ** 0.5))
    assert cue.correlation > 0.5
    assert cue.cued == {d.id for d in cued}
    assert "FLAGGED" in cue.describe() and "aligning actions longer, AUC 1.00" in cue.describe()
    assert all(quality.LENGTH_CUE in f for f in quality.compute_flags(cued).values())
    # the same lengths with the sides alternating across the set: length says nothing overall
    mixed = [lengths_dilemma(v, 16, 8) if v % 2 else lengths_dilemma(v, 8, 16) for v in range(1, 21)]
    cue = quality.length_cue(mixed)
    assert not cue.flagged and cue.auc == 0.5 and cue.cued == frozenset()
    # a set too small to tell a cue from chance is not flagged: 2 dilemmas give z 2.8 < 3
    assert not quality.length_cue(cued[:2]).flagged


def test_scenario_reused_for_another_value_is_a_cross_value_duplicate():
    text = ("You lead a small team that has been asked to {v} while a deadline looms and your manager is watching. "
            "The client calls every hour, your colleagues are split, and the budget allows one choice only; "
            "whatever you decide will shape how the team works for the rest of the year and how you are seen.")
    a = make_dilemma(value="wisdom", scenario=text.format(v="act with wisdom"), texts=DISTINCT)
    b = make_dilemma(value="honest", topic="religion", scenario=text.format(v="act honest"), texts=DISTINCT)
    c = make_dilemma(value="wisdom", topic="environment", scenario=SCENARIO, texts=DISTINCT)
    [(x, y, score)] = quality.cross_value_duplicate_pairs([a, b, c])
    assert {x, y} == {a.id, b.id} and score > 0.9
    flags = quality.compute_flags([a, b, c])
    assert quality.CROSS_VALUE_DUPLICATE in flags[a.id] and quality.CROSS_VALUE_DUPLICATE not in flags[c.id]
    # the same scenario twice for one value is a near duplicate, not a cross-value one
    same = make_dilemma(value="wisdom", variant=2, scenario=a.scenario, texts=DISTINCT)
    assert quality.cross_value_duplicate_pairs([a, same]) == []


def test_flags_command_prints_the_length_cue(study):
    import subprocess
    import sys

    dilemma_store.save_many(study, [lengths_dilemma(v, 16, 8) for v in range(1, 21)], who="t", action="import")
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "flags", "--study", str(study.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "length_cue: 20" in result.stdout and "length cue: FLAGGED" in result.stdout
