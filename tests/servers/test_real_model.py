"""A real instruct model end to end: SmolLM2-135M-Instruct on llama-server (CPU), probed, asked a small
poster study in text mode and in logprobs mode, its every reply read by the reader's contract, and its
numbers shown on the Results screen. A 135M model's numbers mean little; what is tested is that the
pipeline reads a real model's replies as they are, and counts what it cannot read."""

from __future__ import annotations

import asyncio
import re
import textwrap

import numpy as np
import pytest
from textual.widgets import DataTable, Static

from valuegap_tui.cli import main
from valuegap_tui.designs import get_design
from valuegap_tui.designs.base import LETTERS
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.server.reader import read_text
from valuegap_tui.store import open_study
from valuegap_tui.store import runs as run_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import answer_frame as frame_store

pytestmark = [pytest.mark.llama_server, pytest.mark.slow]


def _study(tmp_path):
    path = tmp_path / "real.db"
    assert main(["init", "--study", str(path)]) == 0
    assert main(["import", str(DATA_DIR / "sample" / "dilemmas.jsonl"), "--study", str(path)]) == 0
    return path


def _run(tmp_path, study_path, base_url: str, mode: str) -> int:
    definition = tmp_path / f"{mode}.toml"
    definition.write_text(textwrap.dedent(f'''
        name = "smollm2-{mode}"
        repeats = 1
        seed = 1
        answer_mode = "{mode}"
        {"max_tokens = 48" if mode == "text" else ""}
        max_attempts = 1
        [[models]]
        name = "smollm2"
        endpoints = ["{base_url}"]
        concurrency = 2
        [dilemmas]
        status = []
    '''))
    assert main(["run", "start", str(definition), "--plain", "--study", str(study_path)]) == 0
    with open_study(study_path) as study:
        return run_store.list_runs(study)[-1].id


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def _names_another_option(reply: str, letter: str, shown: list[str]) -> str | None:
    """An option other than the chosen one whose text (its first five words, or all of a shorter one)
    stands in the reply: a check independent of the reader's own rules."""
    said = " " + " ".join(_words(reply)) + " "
    chosen = shown[LETTERS.index(letter)]
    for text in shown:
        words = _words(text)[:5]
        if text != chosen and f" {' '.join(words)} " in said and " ".join(words) not in " ".join(_words(chosen)):
            return text
    return None


def test_the_probe_of_a_real_model(smollm2_server, capsys):
    assert main(["server", "probe", "--base-url", smollm2_server.base_url, "--no-store"]) == 0
    out = capsys.readouterr().out
    assert "context per request: 2048 tokens (llama-server /props n_ctx)" in out
    assert "the prompt reaches the model: yes" in out
    # a text run's default cap cannot fit the 2,048 tokens of a slot: said before a run finds out
    assert "max_tokens 4096 plus a question's prompt" in out and "Set max_tokens to at most" in out


def test_a_text_run_of_a_real_model_reads_every_reply_by_the_contract(smollm2_server, tmp_path, capsys):
    study_path = _study(tmp_path)
    run_id = _run(tmp_path, study_path, smollm2_server.base_url, "text")
    design = get_design("graded_actions")
    with open_study(study_path) as study:
        dilemmas = run_store.dilemmas_of(study, run_id)
        items = {i.id: i for i in run_store.all_items(study, run_id)}
        responses = progress_store.responses_of(study, run_id)
        assert len(responses) == 16 and all(r["outcome"] != "server_error" for r in responses)
        for response in responses:
            item = items[response["item_id"]]
            texts = design.option_texts(dilemmas[item.dilemma_id], item.question)
            shown = [texts[int(o)] for o in item.permutation]
            reading = read_text(response["raw_text"] or "", LETTERS[:6], dict(zip(LETTERS, shown)),
                                cut_off=response["finish_reason"] == "length")
            # what was stored is what the reader says of the stored reply
            assert (response["letter"] if response["outcome"] == "valid" else response["outcome"]) == \
                (reading.letter if reading.valid else reading.outcome), response["raw_text"]
            if response["outcome"] == "valid":
                other = _names_another_option(response["raw_text"], response["letter"], shown)
                assert other is None, f"{response['raw_text']!r} read as {response['letter']} but names {other!r}"
        frame = frame_store.load_answer_frame(study, run_id)
        results = compute_results(frame, bootstrap=False)
        (outcomes,) = [r for r in results.outcomes.records() if r["question"] == "value"]
        assert outcomes["asked"] == 8 and outcomes["valid"] + sum(
            outcomes[o] for o in ("conflict", "ambiguous", "no_letter", "refusal", "cut_off")) == 8
    capsys.readouterr()
    assert main(["run", "status", str(run_id), "--study", str(study_path)]) == 0
    assert "invalid items by outcome:" in capsys.readouterr().out


def test_a_logprob_run_of_a_real_model_counts_its_distributions(smollm2_server, tmp_path, capsys):
    study_path = _study(tmp_path)
    run_id = _run(tmp_path, study_path, smollm2_server.base_url, "logprobs")
    capsys.readouterr()
    assert main(["run", "status", str(run_id), "--study", str(study_path)]) == 0
    assert "logprob coverage (mass of the first token on A-F): median" in capsys.readouterr().out
    with open_study(study_path) as study:
        frame = frame_store.load_answer_frame(study, run_id)
    results = compute_results(frame, bootstrap=False)
    assert results.expected and results.logprobs
    # AR by hand from the stored distributions: per dilemma, P(same side) under value x action
    valid = np.isfinite(frame.distribution).all(axis=1)
    by_hand = []
    for code in np.unique(frame.dilemma.codes):
        rows = valid & (frame.dilemma.codes == code)
        value = frame.distribution[rows & (frame.question == 0)]
        action = frame.distribution[rows & (frame.question == 1)]
        if len(value) and len(action):
            v, a = value.mean(axis=0), action.mean(axis=0)
            by_hand.append(v[:3].sum() * a[:3].sum() + v[3:].sum() * a[3:].sum())
    (overall,) = results.overall.records()
    assert overall["alignment_rate"] == pytest.approx(np.mean(by_hand), abs=1e-6)
    _results_screen_shows(study_path, run_id, "logprob answers as distributions")


def _results_screen_shows(study_path, run_id: int, words: str) -> None:
    from valuegap_tui.tui.app import ValueGapApp

    async def look():
        with open_study(study_path) as study:
            app = ValueGapApp(study, start_mode="results")
            async with app.run_test(size=(120, 40)) as pilot:
                status = app.screen.query_one("#results-status", Static)
                conditions = app.screen.query_one("#results-conditions", DataTable)
                for _ in range(400):
                    await pilot.pause(0.05)
                    shown = str(status.render())
                    if f"Run #{run_id}" in shown and "intervals" not in shown and conditions.row_count:
                        break
                assert words in shown and "answers" in shown, shown
                level = str(conditions.get_row_at(0)[1]).split("\n")[0]
                assert re.match(r"\d\.\d{3} \[", level), level  # AR with its interval

    asyncio.run(look())
