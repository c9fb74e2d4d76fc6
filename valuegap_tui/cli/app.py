"""tui and demo: open the Textual app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_or_create
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.store import dilemmas as dilemma_store
from valuegap_tui.transfer import read_dilemmas

ORDER = 90
DEMO_STUDY = Path("valuegap-demo.db")
STAGE_CHOICES = ["dilemmas", "generate", "personas", "runs", "results", "servers"]


def register(commands) -> None:
    tui = add_command(commands, "tui", cmd_tui, "open the interactive app on a study")
    tui.add_argument("--screen", choices=STAGE_CHOICES, default="dilemmas", help="screen to open first")

    demo = add_command(
        commands, "demo", cmd_demo, "build a demo study with no GPU and open it",
        description=(
            "Build a demo study from the sample data and open the app on it. Needs no GPU and no setup.\n"
            f"The demo study is written to ./{DEMO_STUDY} unless --study is given; it is rebuilt each time."
        ),
    )
    demo.set_defaults(study=None)
    demo.add_argument("--no-tui", action="store_true", help="build the demo study, print a summary, do not open the app")


def run_app(study, start_mode: str = "dilemmas") -> int:
    # Textual is imported here, not at module level, so the rest of the CLI stays headless.
    from valuegap_tui.tui.app import ValueGapApp

    ValueGapApp(study, start_mode=start_mode).run()
    return 0


def cmd_tui(args) -> int:
    return run_app(open_or_create(args.study), args.screen)


def build_demo_study(path: Path):
    """A fresh demo study from data/sample (the demo's first stage; later stages build on it)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    study = open_or_create(path)
    dilemmas = read_dilemmas(DATA_DIR / "sample" / "dilemmas.jsonl")
    dilemma_store.save_many(study, dilemmas, who="demo", action="import")
    return study


def cmd_demo(args) -> int:
    path = args.study or DEMO_STUDY
    if path.exists() and path.stat().st_size and not _is_study(path):
        raise CliError(f"{path} exists and is not a study database; choose another --study")
    study = build_demo_study(path)
    say = lambda message: print(f"demo: {message}", file=sys.stderr)  # noqa: E731
    say(f"study {study.path}: {dilemma_store.count(study)} sample dilemmas")

    # Deferred imports keep `valuegap --help` fast; none of these import Textual.
    from valuegap_tui.evaluate.demo import run_demo_evaluation
    from valuegap_tui.personas import ensure_default_personas
    from valuegap_tui.server.simulator.runner import run_simulator

    with run_simulator(study_path=study.path) as simulator:
        say(f"SIMULATED respondent server (not a language model) at {simulator.base_url}")
        personas = ensure_default_personas(study)
        say(f"{len(personas)} personas from the cultural map")
        run_id = run_demo_evaluation(study, simulator.base_url, model=simulator.params.model_name)
        say(f"evaluation run {run_id} answered by the simulator")
        if args.no_tui:
            return 0
        # The app's server profile defaults come from the OpenAI environment variables: point them at
        # the simulator so Generate, Runs and Servers work straight away.
        os.environ.setdefault("OPENAI_BASE_URL", simulator.base_url)
        os.environ.setdefault("OPENAI_API_KEY", "simulator")
        return run_app(study, "results")


def _is_study(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(16) == b"SQLite format 3\x00"
