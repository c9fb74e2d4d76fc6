"""respond: people answer a run's questions, here or on their own machine (docs/respond.md)."""

from __future__ import annotations

from pathlib import Path

from valuegap_tui.cli._common import (PORT, RUN_ID, SECONDS, CliError, add_command, add_json_option, open_existing,
                                      print_json, streams_for_an_app, whole)
from valuegap_tui.limits import LimitError, read_bytes
from valuegap_tui.personas import BASELINE_ID
from valuegap_tui.respond.pack import import_answers, make_pack, read_pack, write_json
from valuegap_tui.respond.questionnaire import RespondError, default_consent, plan_note, resolve_plan
from valuegap_tui.respond.share import SCALE_ORDERS, people_needed
from valuegap_tui.settings import current_limits
from valuegap_tui.store import respondents as respondent_store
from valuegap_tui.store import runs as run_store
from valuegap_tui.text import visible

ORDER = 55


def register(commands) -> None:
    parser = add_command(
        commands, "respond", None, "people answer a run's questions, stored as respondents beside the models",
        description="People answer the value and action questions of a run, one per screen: in a browser on any\n"
        "device (serve), in the app (start), or from a questionnaire file (pack). Each answers a share of the\n"
        "run (--questions, --overlap). Their answers are stored as the respondent human:NAME, and every metric\n"
        "and report treats them as a model.",
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
                        "serve the questions to browsers (phone, tablet or computer), one link per respondent")
    _respondent_options(serve, several=True)
    serve.add_argument("--people", type=whole(1, 10_000), default=None, metavar="K",
                       help="make K links for new respondents p001, p002, ... (default with --overlap and no --name:"
                       " as many as the overlap needs)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; see docs/respond.md)")
    serve.add_argument("--port", type=PORT, default=8000, help="port to listen on (default 8000)")
    serve.add_argument("--public-url", help="the address respondents reach it at, when behind a proxy (https://...)")
    listing = _subcommand(sub, "list", cmd_list, "the respondents of a run, how far each got, and the overlap so far")
    listing.add_argument("run_id", type=RUN_ID)
    add_json_option(listing)
    consent = _subcommand(sub, "consent", cmd_consent,
                          "show the study's consent text, or set it from a file (--reset: the one shipped)")
    consent.add_argument("file", type=Path, nargs="?", help="a Markdown file with the study's consent text")
    consent.add_argument("--reset", action="store_true", help="go back to the consent text shipped with valuegap")


def _subcommand(sub, name, handler, help):
    return add_command(sub, name, handler, help, nested=True)


def _respondent_options(parser, several: bool = False) -> None:
    parser.add_argument("run_id", type=RUN_ID, help="the run whose questions are asked")
    if several:
        parser.add_argument("--name", action="append", help="a respondent (again for each one)")
    else:
        parser.add_argument("--name", required=True, help="the respondent (stored as human:NAME)")
    parser.add_argument("--persona", default=BASELINE_ID,
                        help="the run's persona condition to answer under (default: baseline, no persona)")
    parser.add_argument("--repeats", type=whole(1, 100), default=1,
                        help="rounds, each with the option order of the run's repeat of that number (default 1)")
    parser.add_argument("--time-limit", type=SECONDS, default=None, metavar="SECONDS",
                        help="seconds per answer; when they run out the question is kept as not answered")
    parser.add_argument("--questions", type=whole(2, 100_000), default=None, metavar="N",
                        help="questions per person, both of each dilemma (default: all); the run's plan, set once")
    parser.add_argument("--overlap", type=whole(1, 1_000), default=None, metavar="M",
                        help="people per dilemma the shares are planned for (default 1); the run's plan, set once")
    parser.add_argument("--scale-order", choices=SCALE_ORDERS, default=None,
                        help="the agreement scale shuffled as the models see it (default) or fixed, Strongly agree"
                        " first; the run's plan, set once")
    parser.add_argument("--consent", type=Path, default=None, metavar="FILE",
                        help="the consent text to show (default: the study's, `valuegap respond consent`)")


def _study_for(args):
    study = open_existing(args.study)
    if args.respond_command != "list" and study.read_only:
        raise CliError(f"{study.path} is read-only, and answers are stored as they are given: make it writable")
    return study


def _check_limit(args) -> None:
    if args.time_limit is not None and not args.time_limit > 0:
        raise CliError("--time-limit: give a number of seconds above 0, or leave it out for no limit")


def _read_consent(path: Path) -> str:
    try:
        text = read_bytes(path, current_limits()).decode("utf-8")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file; give a Markdown file with the consent text") from None
    except (LimitError, OSError) as exc:
        raise CliError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise CliError(f"{path} is not UTF-8 text: save it as UTF-8 and give it again") from None
    if not text.strip():
        raise CliError(f"{path} is empty: a consent text tells people what they take part in")
    return text


def _options(args) -> dict:
    """The keyword arguments a respondent's settings give StudyResponder and make_pack."""
    return {"persona_id": args.persona, "repeats": args.repeats, "time_limit_s": args.time_limit,
            "questions": args.questions, "overlap": args.overlap, "scale_order": args.scale_order,
            "consent": _read_consent(args.consent) if args.consent else None}


def cmd_start(args) -> int:
    from valuegap_tui.respond.session import StudyResponder

    _check_limit(args)
    study = _study_for(args)
    try:
        responder = StudyResponder(study, args.run_id, args.name, **_options(args))
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
        pack = make_pack(study, args.run_id, args.name, **_options(args))
    except RespondError as exc:
        raise CliError(str(exc)) from None
    out = args.out or Path(f"run{args.run_id}-{args.name}.questionnaire.json")
    try:
        write_json(out, pack)
    except OSError as exc:
        raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {len(pack['questions'])} questions for {args.name}; they answer with"
          f" `valuegap respond answer {out.name}` and send back the .answers.json file it writes")
    print(plan_note(study, args.run_id, resolve_plan(study, args.run_id), args.persona))
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
    if args.json:
        print_json(_list_record(study, args.run_id, respondents))
        return 0
    if not respondents:
        print(f"run {args.run_id} has no respondents yet (add one with `valuegap respond start`, `respond serve`"
              " or `respond pack`)")
        return 0
    progress = respondent_store.progress(study, args.run_id)
    for r in respondents:
        done, planned = progress[r.model]
        consent = "consented" if r.consented_at else "no consent yet"
        share = f"  share {r.share_slot + 1}" if r.share_slot is not None else ""
        print(f"human:{r.name}  persona {r.persona_id}{share}  {done} of {planned} answered  {consent}"
              + ("  (packed)" if r.pack_hash else ""))
    try:
        plan = resolve_plan(study, args.run_id)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    dilemmas = list(run_store.dilemmas_of(study, args.run_id))
    k = plan.share_size(len(dilemmas))
    for persona in sorted({r.persona_id for r in respondents}):
        print(plan_note(study, args.run_id, plan, persona))
        paired = respondent_store.paired_people(study, args.run_id, persona)
        reached = sum(1 for d in dilemmas if paired.get(d, 0) >= plan.overlap)
        print(f"{persona}: {reached} of {len(dilemmas)} dilemmas have both answers from at least {plan.overlap}"
              f" {'person' if plan.overlap == 1 else 'people'} (each share holds {k})")
    return 0


def _list_record(study, run_id: int, respondents) -> dict:
    """`respond list --json` (README, "Output for scripts")."""
    progress = respondent_store.progress(study, run_id)
    try:
        plan = resolve_plan(study, run_id)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    dilemmas = list(run_store.dilemmas_of(study, run_id))
    conditions = []
    for persona in sorted({r.persona_id for r in respondents}):
        paired = respondent_store.paired_people(study, run_id, persona)
        conditions.append({"condition": persona, "dilemmas": len(dilemmas),
                           "dilemmas_at_overlap": sum(1 for d in dilemmas if paired.get(d, 0) >= plan.overlap)})
    return {
        "run": run_id,
        "plan": {"dilemmas_each": plan.dilemmas_each, "share_size": plan.share_size(len(dilemmas)),
                 "overlap": plan.overlap, "scale_order": plan.scale_order},
        "respondents": [{"respondent": r.model, "name": r.name, "condition": r.persona_id,
                         "share": None if r.share_slot is None else r.share_slot + 1,
                         "answered": progress[r.model][0], "planned": progress[r.model][1],
                         "consented_at": r.consented_at, "packed": r.pack_hash is not None,
                         "created_at": r.created_at} for r in respondents],
        "conditions": conditions,
    }


def cmd_consent(args) -> int:
    study = _study_for(args)
    if args.reset and args.file:
        raise CliError("give a FILE or --reset, not both")
    if args.reset or args.file:
        respondent_store.set_consent(study, None if args.reset else _read_consent(args.file))
        print("consent text: the one shipped with valuegap" if args.reset else f"consent text set from {args.file}",
              "(new respondents see it; those who agreed keep the hash of the text they agreed to)")
        return 0
    stored = respondent_store.stored_consent(study)
    where = ("set with `valuegap respond consent FILE`" if stored is not None
             else "the one shipped with valuegap; set another with `valuegap respond consent FILE`")
    print(f"# the study's consent text ({where})")
    print(visible(stored if stored is not None else default_consent()))
    return 0


def _serve_names(args, study) -> list[str]:
    names = list(args.name or [])
    if len(set(names)) != len(names):
        raise CliError("--name: each respondent once")
    people = args.people
    if people is None and not names:
        if args.overlap is None:
            raise CliError("say who answers: --name NAME (again for each), --people K, or --overlap M for as many"
                           " people as the overlap needs")
        try:
            plan = resolve_plan(study, args.run_id, questions=args.questions, overlap=args.overlap,
                                scale_order=args.scale_order)
        except RespondError as exc:
            raise CliError(str(exc)) from None
        total = len(run_store.dilemmas_of(study, args.run_id))
        registered = sum(1 for r in respondent_store.list_for_run(study, args.run_id)
                         if r.persona_id == args.persona and r.share_slot is not None)
        people = max(people_needed(total, plan.share_size(total), plan.overlap) - registered, 0)
        if people == 0:
            raise CliError(f"run {args.run_id} already has the people its overlap needs; add more with --people K")
    taken = {r.name for r in respondent_store.list_for_run(study, args.run_id)} | set(names)
    number = 0
    for _ in range(people or 0):
        number += 1
        while f"p{number:03d}" in taken:
            number += 1
        names.append(f"p{number:03d}")
    return names


def cmd_serve(args) -> int:
    import asyncio

    _check_limit(args)
    study = _study_for(args)
    names = _serve_names(args, study)
    options = _options(args)
    try:
        return asyncio.run(_serve(study, args, names, options))
    except KeyboardInterrupt:
        return 0


async def _serve(study, args, names: list[str], options: dict) -> int:
    import asyncio

    from valuegap_tui.respond.questionnaire import check_respondent, stored_plan
    from valuegap_tui.respond.serve import Survey, bind, new_tokens
    from valuegap_tui.respond.session import StudyResponder

    try:  # everything is checked, and the port taken, before anyone is registered
        plan = resolve_plan(study, args.run_id, questions=args.questions, overlap=args.overlap,
                            scale_order=args.scale_order)
        for name in names:
            check_respondent(study, args.run_id, name, args.persona, args.repeats)
    except RespondError as exc:
        raise CliError(str(exc)) from None
    survey = Survey()
    try:
        server = await bind(survey, args.host, args.port)
    except OSError as exc:
        raise CliError(f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}): choose another --port,"
                       " or a --host of this machine") from None
    try:
        try:
            respondent_store.register_many(study, args.run_id, names, args.persona, args.repeats, args.time_limit,
                                           stored_plan(plan))
            tokens = new_tokens(names)
            for token, name in tokens.items():
                survey.responders[token] = StudyResponder(study, args.run_id, name, channel="browser", **options)
        except (RespondError, respondent_store.PlanConflict) as exc:
            raise CliError(str(exc)) from None
        base = (args.public_url or f"http://{args.host}:{server.port}").rstrip("/")
        print("Send each respondent their own link (it opens their questions only):")
        for token, name in tokens.items():
            print(f"  {name}: {base}/r/{token}")
        print(plan_note(study, args.run_id, plan, args.persona))
        print("Answers are stored as they are given. Stop the server with Ctrl+C; links made now work until then.",
              flush=True)
        await asyncio.Event().wait()
    finally:
        await server.close()
    return 0
