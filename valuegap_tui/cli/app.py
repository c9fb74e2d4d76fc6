"""tui and demo: open the Textual app."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from valuegap_tui.cli._common import CliError, add_command, open_existing, open_or_create, streams_for_an_app
from valuegap_tui.paths import DATA_DIR
from valuegap_tui.store import dilemmas as dilemma_store

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
            f"The demo study is written to ./{DEMO_STUDY} unless --study is given. An earlier demo study is\n"
            f"kept: the next demo is written to ./{DEMO_STUDY.stem}-2.db (and so on)."
        ),
    )
    demo.set_defaults(study=None)
    demo.add_argument("--no-tui", action="store_true", help="build the demo study, print a summary, do not open the app")


def run_app(study, start_mode: str = "dilemmas", simulator=None) -> int:
    """``simulator``: (base URL, model) of a simulated server already running for the app."""
    from valuegap_tui.tui import idle_gc

    # The collector stays off from here to the first frame (the app turns it back on): what the
    # imports and the first screen build lives as long as the app (tui/idle_gc.py).
    with idle_gc.held_for_start():
        # Textual is imported here, not at module level, so the rest of the CLI stays headless.
        from valuegap_tui.tui.app import SimulatorInUse, ValueGapApp

        with streams_for_an_app():
            ValueGapApp(study, start_mode=start_mode,
                        simulator=SimulatorInUse(*simulator) if simulator else None).run()
    return 0


def cmd_tui(args) -> int:
    from valuegap_tui.tui import idle_gc

    with idle_gc.held_for_start():  # from the study's opening on (run_app says why)
        study = open_or_create(args.study)
        if study.read_only:
            study.close()
            raise CliError(f"{study.path} is read-only, and the app saves each decision as it is made: make the "
                           "file and its folder writable, or open a copy (info and export work as it is)")
        return run_app(study, args.screen)


def build_demo_study(path: Path):
    """A fresh demo study from data/sample at ``path`` (no file there yet, or an empty one)."""
    from valuegap_tui.dataset.transfer import read_dilemmas  # the demo's alone: `tui` starts without it

    study = open_or_create(path)
    dilemmas = read_dilemmas(DATA_DIR / "sample" / "dilemmas.jsonl")
    dilemma_store.save_many(study, dilemmas, who="demo", action="import")
    return study


def _holds_something(path: Path) -> bool:
    return any(Path(f"{path}{suffix}").exists() and Path(f"{path}{suffix}").stat().st_size
               for suffix in ("", "-wal"))


def demo_path(requested: Path | None) -> tuple[Path, Path | None]:
    """Where this demo is written, and the earlier demo study it leaves alone (if any).

    An earlier demo may hold review work: it is never rebuilt. Without --study the demo takes the next
    free name (valuegap-demo-2.db, ...); a --study that already holds a study is refused.
    """
    path = requested or DEMO_STUDY
    if not _holds_something(path):
        return path, None
    open_existing(path).close()  # refuses (untouched) anything that is not a study
    if requested is not None:
        raise CliError(f"{path} already holds a study, which the demo keeps: give the demo a new --study path")
    for n in range(2, 1000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not _holds_something(candidate):
            return candidate, path
    raise CliError(f"{path.parent} holds 999 demo studies: delete some, or give the demo a --study path")


def cmd_demo(args) -> int:
    path, kept = demo_path(args.study)
    if kept is not None:
        print(f"demo: {kept} holds an earlier demo study (kept as it is): this demo is {path}", file=sys.stderr)
    study = build_demo_study(path)
    say = lambda message: print(f"demo: {message}", file=sys.stderr)  # noqa: E731
    say(f"study {study.path}: {dilemma_store.count(study)} sample dilemmas")

    from valuegap_tui.simulator.runner import run_simulator  # deferred: `valuegap --help` stays fast

    with run_simulator(study_path=study.path) as simulator:
        say(f"SIMULATED respondent server (not a language model) at {simulator.base_url}")
        fill_demo_study(study, simulator, say)
        if args.no_tui:
            return 0
        # The app's server profile defaults come from the OpenAI environment variables: point them at
        # the simulator so Generate, Runs and Servers work straight away.
        os.environ.setdefault("OPENAI_BASE_URL", simulator.base_url)
        os.environ.setdefault("OPENAI_API_KEY", "simulator")
        return run_app(study, "results", simulator=(simulator.base_url, simulator.params.model_name))


def fill_demo_study(study, simulator, say=lambda message: None) -> int:
    """The demo's later stages on ``simulator`` (a running simulated server): generate every dilemma,
    build the personas, run the evaluation. Returns the run's id."""
    # Deferred imports keep `valuegap --help` fast; none of these import Textual.
    from valuegap_tui.evaluate.demo import run_demo_evaluation
    from valuegap_tui.generate.base import generate_missing
    from valuegap_tui.personas import default_personas
    from valuegap_tui.simulator.inprocess import SimulatorClient
    from valuegap_tui.store import personas as persona_store

    model = simulator.params.model_name
    # the simulator is asked in process: the same replies as over HTTP, fast enough for the demo's size
    generated = generate_missing(study, simulator.base_url, model=model,
                                 client=SimulatorClient(simulator.simulator, model))
    say(f"{generated} dilemmas generated by the simulated server")
    personas = persona_store.add_missing(study, default_personas())
    say(f"{len(personas)} personas from the cultural map")
    run_id = run_demo_evaluation(study, simulator.base_url, model=model,
                                 client_for=lambda name: SimulatorClient(simulator.simulator, name))
    say(f"evaluation run {run_id} answered by the simulator")
    return run_id
