"""The valact design's own command (``designs.COMMANDS``): ``valuegap questionnaire``, the value
questionnaire of a ValAct-style study (docs/designs.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from valuegap_tui.cli._common import STUDY_HELP, CliError, add_command, open_design_study


def register(commands) -> None:
    parser = add_command(
        commands, "questionnaire", None, "load or show the value questionnaire of a valact study",
        description="Portrait items keyed to the ten basic values, asked on a six-point 'how much like you'\n"
        "scale. valuegap ships a short demo questionnaire; load the instrument you hold a licence for\n"
        "from a TOML or CSV file (format: docs/designs.md, 'The value questionnaire').")
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])
    sub = parser.add_subparsers(dest="questionnaire_command", metavar="ACTION")
    load = sub.add_parser("load", help="load a questionnaire file (default: the demo questionnaire)")
    load.add_argument("file", nargs="?", type=Path, help="a .toml or .csv questionnaire (default: the demo's)")
    load.add_argument("--who", default="questionnaire", help="name recorded in the history")
    show = sub.add_parser("show", help="list the questionnaire items the study asks")
    for each, handler in ((load, cmd_load), (show, cmd_show)):
        each.add_argument("--study", type=Path, default=argparse.SUPPRESS, metavar="PATH", help=STUDY_HELP)
        each.set_defaults(handler=handler)


def _valact_study(args):
    from valuegap_tui.designs.valact import DESIGN

    return open_design_study(args.study, DESIGN, "questionnaire")


def cmd_load(args) -> int:
    from valuegap_tui.designs.valact.questionnaire import DEMO_FILE, QuestionnaireError, load_into, read_questionnaire

    try:
        questionnaire = read_questionnaire(args.file or DEMO_FILE)
    except QuestionnaireError as exc:
        raise CliError(str(exc), 2) from None
    study = _valact_study(args)
    counts = load_into(study, questionnaire, who=args.who)
    retired = f"; {counts['retired']} item(s) of another instrument set rejected" if counts["retired"] else ""
    print(f"questionnaire {questionnaire.id}: {len(questionnaire.items)} items ({counts['new']} new, "
          f"{counts['updated']} updated){retired}")
    return 0


def cmd_show(args) -> int:
    from valuegap_tui.designs.valact import DESIGN
    from valuegap_tui.designs.valact.items import Portrait
    from valuegap_tui.store import items as item_store
    from valuegap_tui.text import one_line

    study = _valact_study(args)
    portraits = [i for i in item_store.iter_items(study, DESIGN, status="accepted")
                 if isinstance(i, Portrait)]
    if not portraits:
        print("no questionnaire loaded (valuegap questionnaire load [FILE])", file=sys.stderr)
        return 1
    for item in portraits:
        print(f"{item.id}\t{item.value}\t{one_line(item.text)}")
    return 0
