"""valuegap personas generate|list|show|export|import."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from valuegap_tui.cli._common import STUDY_HELP, CliError, add_command, open_existing, open_or_create
from valuegap_tui.personas import Persona, generate_personas, render_persona_text
from valuegap_tui.store import personas as persona_store
from valuegap_tui.transfer import ImportFailure, parse_jsonl_lines, read_text_file

ORDER = 40


def register(commands) -> None:
    parser = add_command(
        commands, "personas", None, "build, list and move cultural personas",
        description="Personas built from the ten WVS-derived variables of the Inglehart-Welzel map.\n"
        "See docs/personas.md for how positions are computed and personas are generated.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    sub = parser.add_subparsers(dest="personas_command", metavar="ACTION")

    gen = _sub(sub, "generate", cmd_generate, "store the default set: baseline, moderate and max per quadrant, incongruous",
               "Store a persona set. The default set: the baseline, one moderate and one max persona per quadrant\n"
               "and 4 incongruous personas (one persona per kind and quadrant: nothing to resample within a kind).\n"
               "--per-kind N draws a sample instead: N distinct moderate and max personas per quadrant and\n"
               "N incongruous personas per split dimension and lean (4N), seeded. --match builds the incongruous\n"
               "personas with the same level extremity as the moderate or max ones (docs/personas.md).")
    gen.add_argument("--incongruous", type=int, default=4, metavar="N",
                     help="how many incongruous personas in the default set (default 4)")
    gen.add_argument("--per-kind", type=int, default=None, metavar="N",
                     help="draw N personas per kind and quadrant (a sample of each kind)")
    gen.add_argument("--match", choices=("moderate", "max"), default=None,
                     help="incongruous personas matched in extremity to this kind (implies --per-kind 1 unless given)")
    gen.add_argument("--seed", type=int, default=0, metavar="S", help="seed deciding which incongruous combinations (default 0)")
    gen.add_argument("--replace", action="store_true",
                     help="overwrite generated personas with the same id and drop older generated ones not in the new set "
                          "(custom personas and personas a run uses are kept)")

    _sub(sub, "countries", cmd_countries, "store the twelve VIA country personas (\"You are a person from ...\")",
         "Store one persona of kind country per country of Shen et al.'s VIA data; its system message is\n"
         "prompts/via_country.txt with the country filled in. Existing country personas are updated.")

    _sub(sub, "list", cmd_list, "list personas with kind, map position and extremity")
    _sub(sub, "variables", cmd_variables, "the persona variables in use, their dimensions and balance")

    show = _sub(sub, "show", cmd_show, "show a persona's levels, position and the text a model reads")
    show.add_argument("id")

    exp = _sub(sub, "export", cmd_export, "write every persona as JSONL")
    exp.add_argument("output", help="file to write, or - for standard output")

    imp = _sub(sub, "import", cmd_import, "import personas from JSONL (all or nothing)",
               "Import personas. Every line is validated first; on any error nothing is written and the\n"
               "message names the line and field. Personas whose id already exists are updated.")
    imp.add_argument("input", help="a .jsonl file")


def _sub(sub, name, handler, help, description=None) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help, description=description or help,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    # SUPPRESS keeps a --study given before the action (valuegap personas --study X list).
    parser.add_argument("--study", type=Path, default=argparse.SUPPRESS, metavar="PATH", help=STUDY_HELP)
    parser.set_defaults(handler=handler)
    return parser


def _usage(parser) -> int:
    parser.print_help()
    return 2


def _position(persona: Persona) -> str:
    ts, sse = persona.position
    return f"({ts:+.2f}, {sse:+.2f})"


def cmd_generate(args) -> int:
    from valuegap_tui.personas.sampling import sample_personas

    if args.incongruous < 0:
        raise CliError("--incongruous must be 0 or more", 2)
    if args.per_kind is not None and args.per_kind < 1:
        raise CliError("--per-kind must be 1 or more", 2)
    try:
        if args.per_kind is None and args.match is None:
            personas = generate_personas(seed=args.seed, incongruous=args.incongruous)
        else:
            personas = sample_personas(args.per_kind or 1, seed=args.seed, match=args.match)
    except ValueError as exc:
        raise CliError(str(exc), 2) from None
    counts = ", ".join(f"{sum(p.kind == k for p in personas)} {k}" for k in ("moderate", "max", "incongruous"))
    print(f"persona set: {counts} (+ baseline)", file=sys.stderr)
    study = open_or_create(args.study)
    if args.replace:
        saved, kept = persona_store.replace_generated(study, personas)
        print(f"stored {saved} personas (seed {args.seed})")
        if kept:
            print(f"kept {', '.join(kept)}: used by a run", file=sys.stderr)
        return 0
    new = [p for p in personas if not persona_store.exists(study, p.id)]
    persona_store.save_many(study, new)
    skipped = len(personas) - len(new)
    print(f"stored {len(new)} new personas (seed {args.seed})" + (f"; {skipped} already there, left as they are (use --replace to overwrite)" if skipped else ""))
    return 0


def cmd_countries(args) -> int:
    from valuegap_tui.designs.via.conditions import country_personas

    study = open_or_create(args.study)
    saved = persona_store.save_many(study, country_personas())
    print(f"stored {saved} country personas in {study.path} (with the baseline: {saved + 1} conditions)")
    return 0


def cmd_list(args) -> int:
    study = open_existing(args.study)
    personas = persona_store.list_all(study)
    if not personas:
        print("no personas yet (create them with: valuegap personas generate)", file=sys.stderr)
        return 0
    width = max(len(p.id) for p in personas)
    print(f"{'id':<{width}}  {'kind':<11}  {'position (trad-sec, surv-self)':<30}  {'extremity':<9}  name")
    for persona in personas:
        print(f"{persona.id:<{width}}  {persona.kind:<11}  {_position(persona):<30}  {persona.extremity:<9.2f}  {persona.name}")
    return 0


def cmd_variables(args) -> int:
    from valuegap_tui.personas import dimension_balance

    from valuegap_tui.catalogue import catalogue

    for variable in catalogue().persona_variables:
        print(f"{variable.id:<22} {variable.dimension:<26} {variable.measures}")
    balance = dimension_balance()
    print(balance.summary)
    if balance.warning:
        print(f"warning: {balance.warning}", file=sys.stderr)
    return 0


def cmd_show(args) -> int:
    from valuegap_tui.catalogue import catalogue

    study = open_existing(args.study)
    persona = persona_store.get(study, args.id)
    if persona is None:
        raise CliError(f"no persona {args.id!r} (see: valuegap personas list)")
    print(f"{persona.name}  [{persona.id}, {persona.kind}]")
    print(f"position: traditional->secular {persona.position[0]:+.2f}, survival->self-expression {persona.position[1]:+.2f}; "
          f"extremity {persona.extremity:.2f}")
    if persona.notes:
        print(f"notes: {persona.notes}")
    if persona.levels:
        print("levels:")
        for variable in catalogue().persona_variables:
            level = persona.levels[variable.id]
            print(f"  {variable.name:<24} {level}  {variable.levels[level - 1].text}")
    text = render_persona_text(persona)
    print("system message:" if text else "system message: none (baseline)")
    if text:
        print(text)
    return 0


def cmd_export(args) -> int:
    study = open_existing(args.study)
    personas = persona_store.list_all(study)
    text = "".join(json.dumps(p.to_record(), ensure_ascii=False) + "\n" for p in personas)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
        print(f"wrote {len(personas)} personas to {args.output}", file=sys.stderr)
    return 0


def read_personas(path: Path | str) -> list[Persona]:
    """Parse and validate a whole JSONL file; raises ImportFailure naming line and field."""
    path = Path(path)
    text = read_text_file(path, "JSONL file of personas")
    personas: list[Persona] = []
    seen: dict[str, int] = {}
    for line_no, persona in parse_jsonl_lines(text, path, Persona):
        if persona.id in seen:
            raise ImportFailure(path, line_no, "id", f"duplicate id {persona.id!r} (first on line {seen[persona.id]})")
        seen[persona.id] = line_no
        personas.append(persona)
    if not personas:
        raise ImportFailure(path, None, None, "no personas in the file")
    return personas


def cmd_import(args) -> int:
    try:
        personas = read_personas(args.input)
    except ImportFailure as exc:
        raise CliError(f"nothing imported: {exc}") from None
    study = open_or_create(args.study)
    updated = sum(persona_store.exists(study, p.id) for p in personas)
    persona_store.save_many(study, personas)
    print(f"imported {len(personas)} personas ({len(personas) - updated} new, {updated} updated)")
    return 0
