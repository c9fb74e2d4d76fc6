"""Review status is changed only by people: flags, label checks, generation and import never undo a
decision, even when they run in another process at the same moment."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import time

from tests.helpers.dilemmas import make_dilemma
from tests.helpers.clients import ScriptedClient, good_reply
from valuegap_tui.generate import dilemmas as gen
from valuegap_tui.review import decisions as review
from valuegap_tui.designs.graded_actions.models import DilemmaStatus
from valuegap_tui.dataset.quality import LABEL_LEAK
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.store import open_study
from valuegap_tui.dataset.transfer import write_dilemmas

# `valuegap flags` in its own process, paused after it has read every dilemma and computed the flags
# (the moment a stale copy would be written back) until the test says go.
FLAGS_PAUSED = textwrap.dedent("""
    import pathlib, sys, time
    import valuegap_tui.dataset.quality as quality
    from valuegap_tui.cli import main

    study, signal_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    compute = quality.compute_flags

    def paused(*args, **kwargs):
        flags = compute(*args, **kwargs)
        (signal_dir / "computed").touch()
        deadline = time.monotonic() + 60
        while not (signal_dir / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return flags

    quality.compute_flags = paused
    sys.exit(main(["flags", "--study", study]))
""")


def many_dilemmas(n: int):
    # A wrong quality flag on each: the flags run has something to change on every dilemma.
    return [make_dilemma(variant=i, scenario=f"You face choice number {i} about wisdom and its costs.",
                         flags=[LABEL_LEAK, "mine"]) for i in range(1, n + 1)]


def wait_for_file(path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


def test_a_concurrent_flags_run_leaves_a_persons_decision_intact(tmp_path):
    path = tmp_path / "study.db"
    app = open_study(path, create=True)  # the app's connection, held for the whole test
    dilemma_store.save_many(app, many_dilemmas(6), who="generator", action="generate")
    ids = [d.id for d in many_dilemmas(6)]
    script = tmp_path / "flags_paused.py"
    script.write_text(FLAGS_PAUSED)
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_file(tmp_path / "computed")
        # While flags holds its (now stale) copies, a reviewer decides in the app.
        review.decide(app, ids[0], "accept", reviewer="ann")
        review.decide(app, ids[1], "reject", reviewer="ann")
        review.relabel(app, ids[2], 0, make_dilemma().options[1].label, reviewer="ann")
        (tmp_path / "go").touch()
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "label_leak: 0" in out
    after = {i: dilemma_store.get(app, i) for i in ids}
    assert after[ids[0]].status is DilemmaStatus.ACCEPTED
    assert after[ids[1]].status is DilemmaStatus.REJECTED
    assert after[ids[2]].options[0].label is make_dilemma().options[1].label  # the relabel survives too
    assert all(LABEL_LEAK not in d.flags and "mine" in d.flags for d in after.values())  # flags did their job
    rows = {r.id: r for r in dilemma_store.list_rows(app)}
    assert rows[ids[0]].reviewer == "ann"  # the list still names the person who decided
    history = dilemma_store.history(app, ids[0])
    assert [h.action for h in history] == ["generate", "accept", "flags"]
    assert history[-1].before.status is DilemmaStatus.ACCEPTED and history[-1].after.status is DilemmaStatus.ACCEPTED
    app.close()


def test_decisions_made_while_flags_runs_repeatedly_all_stand(tmp_path):
    path = tmp_path / "study.db"
    app = open_study(path, create=True)
    dilemma_store.save_many(app, many_dilemmas(40), who="generator", action="generate")
    ids = [d.id for d in many_dilemmas(40)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    loop = ("for t in 0.1 0.9 0.2 0.8; do {py} -m valuegap_tui flags --study {db} --duplicate-threshold $t "
            "> /dev/null || exit 1; done").format(py=sys.executable, db=path)
    proc = subprocess.Popen(["bash", "-c", loop], env=env)
    decided = {}
    try:
        for n, dilemma_id in enumerate(ids):
            decision = ("accept", "reject", "needs-edit")[n % 3]
            review.decide(app, dilemma_id, decision, reviewer="ann")
            decided[dilemma_id] = review.DECISION_STATUS[review.Decision(decision)]
            time.sleep(0.05)
        assert proc.wait(timeout=300) == 0
    finally:
        proc.kill()
    assert {i: dilemma_store.get(app, i).status for i in ids} == decided
    app.close()


def test_label_check_flags_keep_status_and_reviewer(study):
    from valuegap_tui.review import label_check

    dilemma = make_dilemma()
    dilemma_store.save(study, dilemma, who="generator", action="generate")
    review.decide(study, dilemma.id, "accept", reviewer="ann")
    check = label_check.score(dilemma, [[5, 4, 3, 2, 1, 0]], model="m")  # one judgement, reversed: doubtful
    label_check._set_flag(study, check, "m")
    stored = dilemma_store.get(study, dilemma.id)
    assert label_check.FLAG in stored.flags and stored.status is DilemmaStatus.ACCEPTED
    assert dilemma_store.list_rows(study)[0].reviewer == "ann"


# --- generation and regeneration ---------------------------------------------------------------------
class DecidingClient(ScriptedClient):
    """Before its reply arrives, a person acts on the dilemma being (re)generated."""

    def __init__(self, act):
        super().__init__([])
        self.act = act

    async def complete(self, request, *, model=None):
        self.act(request.tag)
        return await super().complete(request, model=model)


def test_regeneration_keeps_a_dilemma_accepted_while_its_reply_was_in_flight(study):
    dilemma_store.save(study, make_dilemma(), who="generator", action="generate")
    client = DecidingClient(lambda tag: review.decide(study, tag, "accept", reviewer="ann"))
    progress = asyncio.run(gen.generate(study, client, gen.jobs_for_ids([make_dilemma().id]), action="regenerate"))
    assert (progress.done, progress.kept) == (0, 1)
    stored = dilemma_store.get(study, make_dilemma().id)
    assert stored.status is DilemmaStatus.ACCEPTED and stored.scenario == make_dilemma().scenario


def test_generation_keeps_a_dilemma_imported_meanwhile(study):
    imported = make_dilemma(status=DilemmaStatus.ACCEPTED)
    client = DecidingClient(lambda tag: dilemma_store.save(study, imported, who="ann", action="import"))
    progress = asyncio.run(gen.generate(study, client, [gen.Job("wisdom", "politics", 1)]))
    assert (progress.done, progress.kept) == (0, 1)
    assert dilemma_store.get(study, imported.id) == imported


def test_regenerate_refuses_reviewed_dilemmas_unless_told(study, tmp_path):
    accepted, draft = make_dilemma(variant=1), make_dilemma(variant=2)
    dilemma_store.save_many(study, [accepted, draft], who="generator", action="generate")
    review.decide(study, accepted.id, "accept", reviewer="ann")
    base = [sys.executable, "-m", "valuegap_tui", "generate", "--study", str(study.path),
            "--base-url", "http://127.0.0.1:9/v1", "--regenerate", accepted.id, draft.id]
    refused = subprocess.run(base, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2
    assert f"{accepted.id} (accepted)" in refused.stderr and "--replace-reviewed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert dilemma_store.get(study, accepted.id).status is DilemmaStatus.ACCEPTED
    assert dilemma_store.history_count(study) == 3  # nothing written


def test_replace_reviewed_makes_a_new_draft_and_keeps_the_decision_in_history(study):
    dilemma_store.save(study, make_dilemma(), who="generator", action="generate")
    review.decide(study, make_dilemma().id, "accept", reviewer="ann")
    client = ScriptedClient([json.dumps(good_reply())])
    progress = asyncio.run(gen.generate(study, client, gen.jobs_for_ids([make_dilemma().id]),
                                        gen.Settings(replace_reviewed=True), action="regenerate"))
    assert progress.done == 1
    history = dilemma_store.history(study, make_dilemma().id)
    assert history[-1].action == "regenerate" and history[-1].after.status is DilemmaStatus.DRAFT
    assert history[-1].before.status is DilemmaStatus.ACCEPTED  # the decision stays recorded


# --- import ----------------------------------------------------------------------------------------
def test_import_without_a_status_keeps_the_decision(study, tmp_path):
    dilemma = make_dilemma()
    dilemma_store.save(study, dilemma, who="generator", action="generate")
    review.decide(study, dilemma.id, "accept", reviewer="ann")
    record = dilemma.to_record()
    record.pop("status")
    record["scenario"] = "You face a revised choice."
    plain = tmp_path / "no_status.jsonl"
    plain.write_text(json.dumps(record) + "\n")
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "import", str(plain), "--study", str(study.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    stored = dilemma_store.get(study, dilemma.id)
    assert stored.scenario == "You face a revised choice." and stored.status is DilemmaStatus.ACCEPTED

    stated = tmp_path / "with_status.jsonl"
    write_dilemmas([stored.model_copy(update={"status": DilemmaStatus.REJECTED})], stated, "jsonl")
    result = subprocess.run([sys.executable, "-m", "valuegap_tui", "import", str(stated), "--study", str(study.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "1 review status(es) set from the file" in result.stdout
    assert dilemma_store.get(study, dilemma.id).status is DilemmaStatus.REJECTED
