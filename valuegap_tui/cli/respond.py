"""respond: people answer a run's questions, here or on their own machine (docs/respond.md)."""

from __future__ import annotations

from pathlib import Path

from valuegap_tui.cli._common import (PORT, RUN_ID, SECONDS, CliError, add_command, open_existing,
                                      streams_for_an_app, whole)
from valuegap_tui.personas import BASELINE_ID
from valuegap_tui.respond.pack import import_answers, make_pack, read_pack, write_json
from valuegap_tui.respond.questionnaire import RespondError
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store

ORDER = 55


def register(commands) -> None:
    parser = add_command(
        commands, "respond", None, "people answer a run's questions, stored as respondents beside the models",
        description="A person answers the value and action questions of a run, one per screen, by keyboard.\n"
        "Their answers are stored as the respondent human:NAME, and every metric and report treats them as a model.",
    )
    sub = parser.add_subparsers(dest="respond_command", metavar="SUBCOMMAND", required=True)
    start = _subcommand(sub, "start", cmd_start, "answer a run's questions here, in the app (resumes where it stopped)")
    _respondent_options(start)
    pack = _subcommand(sub, "pack", cmd_pack, "write one respondent's questionnaire file, to answer on another machine")
    _respondent_options(pack)
    pack.add_argument("--out", type=Path, help="questionnaire file to write (default: RUN-NAME.questionnaire.json)")
    answer = _subcommand(sub, "answer", cmd_answer, "answer a questionnaire file in the app (needs no study)")
    answer.add_argument("questionnaire", type=Path)
    answer.add_argument("--answers", type=Path,
                        help="answer file to write (default: beside the questionnaire, ending .answers.json)")
    imp = _subcommand(sub, "import", cmd_import, "bring an answer file into the study (all or nothing, idempotent)")
    imp.add_argument("answers", type=Path)
    serve = _subcommand(sub, "serve", cmd_serve,
                        "serve the respond app to browsers, one link per respondent (needs valuegap[serve])")
    _respondent_options(serve, several=True)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; see docs/respond.md)")
    serve.add_argument("--port", type=PORT, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--public-url", help="the address respondents reach it at, when behind a proxy (https://...)")
    listing = _subcommand(sub, "list", cmd_list, "the respondents of a run and how far they got")
    listing.add_argument("run_id", type=RUN_ID)


def _subcommand(sub, name, handler, help):
    return add_command(sub, name, handler, help, nested=True)


def _respondent_options(parser, several: bool = False) -> None:
    parser.add_argument("run_id", type=RUN_ID, help="the run whose questions are asked")
    if several:
        parser.add_argument("--name", required=True, action="append", help="a respondent (again for each one)")
    else:
        parser.add_argument("--name", required=True, help="the respondent (stored as human:NAME)")
    parser.add_argument("--persona", default=BASELINE_ID,
                        help="the run's persona condition to answer under (default: baseline, no persona)")
    parser.add_argument("--repeats", type=whole(1, 100), default=1,
                        help="rounds, each with the option order of the run's repeat of that number (default 1)")
    parser.add_argument("--time-limit", type=SECONDS, default=None, metavar="SECONDS",
                        help="seconds per answer; when they run out the question is kept as not answered")


def _study_for(args):
    study = open_existing(args.study)
    if args.respond_command != "list" and study.read_only:
        raise CliError(f"{study.path} is read-only, and answers are stored as they are given: make it writable")
    return study


def _check_limit(args) -> None:
    if args.time_limit is not None and not args.time_limit > 0:
        raise CliError("--time-limit: give a number of seconds above 0, or leave it out for no limit")


def cmd_start(args) -> int:
    from valuegap_tui.respond.session import StudyResponder

    _check_limit(args)
    study = _study_for(args)
    try:
        responder = StudyResponder(study, args.run_id, args.name, persona_id=args.persona, repeats=args.repeats,
                                   time_limit_s=args.time_limit)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    _run_app(responder)
    left = len(responder.questions) - len(responder.answered_keys())
    print(f"{args.name}: {len(responder.questions) - left} of {len(responder.questions)} answered"
          + (f"; `valuegap respond start {args.run_id} --name {args.name}` continues" if left else ""))
    return 0


def _run_app(responder) -> None:
    # Textual is imported here, not at module level, so the rest of the CLI stays headless.
    from valuegap_tui.tui.screens.respond import RespondApp

    with streams_for_an_app():
        RespondApp(responder).run()


def cmd_pack(args) -> int:
    _check_limit(args)
    study = _study_for(args)
    try:
        pack = make_pack(study, args.run_id, args.name, persona_id=args.persona, repeats=args.repeats,
                         time_limit_s=args.time_limit)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    out = args.out or Path(f"run{args.run_id}-{args.name}.questionnaire.json")
    try:
        write_json(out, pack)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {len(pack['questions'])} questions for {args.name}; they answer with"
          f" `valuegap respond answer {out.name}` and send back the .answers.json file it writes")
    return 0


def cmd_answer(args) -> int:
    from valuegap_tui.respond.session import FileResponder

    try:
        pack = read_pack(args.questionnaire)
        path = args.answers or args.questionnaire.with_name(
            args.questionnaire.name.removesuffix(".json").removesuffix(".questionnaire") + ".answers.json")
        responder = FileResponder(pack, path)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    _run_app(responder)
    left = len(responder.questions) - len(responder.answered_keys())
    print(f"answers kept in {path}" + (f"; {left} questions left (run the same command to continue)" if left
                                       else "; all answered: send this file back"))
    return 0


def cmd_import(args) -> int:
    study = _study_for(args)
    try:
        name, new, already = import_answers(study, args.answers)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    print(f"{name}: {new} answers imported" + (f", {already} were already in the study" if already else ""))
    return 0


def cmd_list(args) -> int:
    study = _study_for(args)
    if run_store.get_run(study, args.run_id) is None:
        raise CliError(f"no run {args.run_id} in {study.path} (see `valuegap run list`)")
    respondents = respondent_store.list_for_run(study, args.run_id)
    if not respondents:
        print(f"run {args.run_id} has no respondents yet (add one with `valuegap respond start` or `respond pack`)")
    for r in respondents:
        done = len(respondent_store.answered(study, args.run_id, r.name))
        consent = "consented" if r.consented_at else "no consent yet"
        print(f"human:{r.name}  persona {r.persona_id}  {done} answered  {consent}"
              + ("  (packed)" if r.pack_hash else ""))
    return 0


def cmd_serve(args) -> int:
    from valuegap_tui.respond.serve import ServeUnavailable, new_tokens, respondent_command, token_server
    from valuegap_tui.respond.session import StudyResponder

    _check_limit(args)
    if len(set(args.name)) != len(args.name):
        raise CliError("--name: each respondent once")
    study = _study_for(args)
    try:
        for name in args.name:  # checks each name and registers them before anyone connects
            StudyResponder(study, args.run_id, name, persona_id=args.persona, repeats=args.repeats,
                           time_limit_s=args.time_limit)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    tokens = new_tokens(args.name)
    commands = {token: respondent_command(study.path, args.run_id, name, persona_id=args.persona,
                                          repeats=args.repeats, time_limit_s=args.time_limit)
                for token, name in tokens.items()}
    try:
        server = token_server(commands, args.host, args.port, args.public_url)
    except ServeUnavailable as exc:
        raise CliError(str(exc)) from None
    print("Send each respondent their own link (it opens their questionnaire only):")
    for token, name in tokens.items():
        print(f"  {name}: {server.public_url}/r/{token}")
    server.serve()
    return 0

