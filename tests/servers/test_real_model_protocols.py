"""A real instruct model asked in every way (SmolLM2-135M-Instruct on llama-server, CPU): its replies to
the abstain protocol's seven options, the third-person and the paraphrased questions are read by the
reader's contract, an abstention is stored only where the model chose the option of not choosing, and
the protocol tables count every way of asking. A 135M model's numbers mean little; what is tested is
that real replies to every wording are read as they are."""

from __future__ import annotations

import textwrap

import pytest

from valuegap_tui.cli import main
from valuegap_tui.designs.base import LETTERS
from valuegap_tui.evaluate.questions import protocol_options
from valuegap_tui.designs import get_design
from valuegap_tui.metrics.summary import compute_results
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.server.reader import read_text
from valuegap_tui.store import open_study
from valuegap_tui.store import answer_frame as frame_store
from valuegap_tui.store import run_progress as progress_store
from valuegap_tui.store import runs as run_store

pytestmark = [pytest.mark.llama_server, pytest.mark.slow]
PROTOCOLS = ["standard", "abstain", "third-person", "paraphrase-2"]


def test_a_real_model_asked_in_every_way_is_read_by_the_contract(smollm2_server, tmp_path, capsys):
    study_path = tmp_path / "real.db"
    assert main(["init", "--study", str(study_path)]) == 0
    assert main(["import", str(DATA_DIR / "sample" / "dilemmas.jsonl"), "--study", str(study_path)]) == 0
    definition = tmp_path / "run.toml"
    definition.write_text(textwrap.dedent(f'''
        name = "smollm2-protocols"
        repeats = 1
        seed = 4
        max_tokens = 48
        max_attempts = 1
        protocols = {PROTOCOLS!r}
        [[models]]
        name = "smollm2"
        endpoints = ["{smollm2_server.base_url}"]
        concurrency = 2
        [dilemmas]
        status = []
        first = 2
    ''').replace("'", '"'))
    assert main(["run", "start", str(definition), "--plain", "--study", str(study_path)]) == 0
    assert "16 items (4 protocols: standard, abstain, third-person, paraphrase-2" in capsys.readouterr().out
    design = get_design("graded_actions")
    with open_study(study_path) as study:
        run_id = run_store.list_runs(study)[-1].id
        dilemmas = run_store.dilemmas_of(study, run_id)
        items = {i.id: i for i in run_store.all_items(study, run_id)}
        responses = progress_store.responses_of(study, run_id)
        assert len(responses) == 16 and all(r["outcome"] != "server_error" for r in responses)
        outcomes = {}
        for response in responses:
            item = items[response["item_id"]]
            texts = protocol_options(design, dilemmas[item.dilemma_id], item.question, item.protocol)
            shown = [texts[int(o)] for o in item.permutation]
            letters = LETTERS[: len(shown)]
            reading = read_text(response["raw_text"] or "", letters, dict(zip(letters, shown)),
                                cut_off=response["finish_reason"] == "length")
            expected = reading.letter if reading.valid else reading.outcome
            stored = response["letter"] if response["outcome"] in ("valid", "abstained") else response["outcome"]
            assert stored == expected, (item.protocol, response["raw_text"])
            # an abstention is exactly a valid reading of the letter showing "not choosing"
            chose_none = reading.valid and int(item.permutation[letters.index(reading.letter)]) == len(texts) - 1 \
                and item.protocol == "abstain"
            assert (response["outcome"] == "abstained") == chose_none, response
            outcomes.setdefault(item.protocol, []).append(response["outcome"])
        print({p: sorted(o) for p, o in outcomes.items()})  # what the model did, for the record
        assert set(outcomes) == set(PROTOCOLS)
        frame = frame_store.load_answer_frame(study, run_id)
    results = compute_results(frame)
    assert results.by_protocol is not None and results.by_protocol.protocols == tuple(PROTOCOLS)
    asked = {r["protocol"]: r["asked"] for r in results.by_protocol.by_protocol.records()}
    assert asked == {p: 4 for p in PROTOCOLS}
