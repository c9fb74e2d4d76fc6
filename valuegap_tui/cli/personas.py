"""valuegap personas generate|add|roleplay|countries|list|variables|show|export|import."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from valuegap_tui.cli._common import (SEED, STUDY_HELP, CliError, add_command, add_json_option, open_existing,
                                      open_or_create, print_json, whole)
from valuegap_tui.personas import DEFAULT_PER_KIND, WRITTEN_KINDS, Persona, generate_personas, render_persona_text
from valuegap_tui.store import personas as persona_store
from valuegap_tui.text import visible
from valuegap_tui.dataset.transfer import ImportFailure, read_text_file

ORDER = 40


def register(commands) -> None:
    parser = add_command(
        commands, "personas", None, "build, write, list and move cultural personas and other conditions",
        description="Personas built from the ten WVS-derived variables of the Inglehart-Welzel map, and\n"
        "conditions written by hand (a persona or an instruction, such as a role-play).\n"
        "See docs/personas.md for how positions are computed, personas generated and conditions written.",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))
    sub = parser.add_subparsers(dest="personas_command", metavar="ACTION")

    gen = _sub(sub, "generate", cmd_generate, "store the default set: baseline and a sample of 8 personas per kind",
               "Store a persona set, a seeded sample of each kind: N distinct moderate and max personas per\n"
               "quadrant and N incongruous personas per split dimension and lean, 4N of each kind (default N 2:\n"
               "8 per kind). --match draws the incongruous personas with the same mean extremity and distance\n"
               "from the map's centre as the moderate or max ones (docs/personas.md). --incongruous N stores\n"
               "the canonical set instead: one moderate and one max persona per quadrant and N incongruous ones.")
    gen.add_argument("--incongruous", type=whole(0, 10_000), default=None, metavar="N",
                     help="the canonical set with N incongruous personas (not a sample of each kind)")
    gen.add_argument("--per-kind", type=whole(1, 10_000), default=None, metavar="N",
                     help="draw N personas per kind and quadrant (default 2)")
    gen.add_argument("--match", choices=("moderate", "max"), default=None,
                     help="incongruous personas matched in extremity and distance from the centre to this kind")
    gen.add_argument("--seed", type=SEED, default=0, metavar="S", help="seed of the sample (default 0)")
    gen.add_argument("--replace", action="store_true",
                     help="overwrite generated personas with the same id and drop older generated ones not in the new set "
                          "(custom personas and personas a run uses are kept)")

    add = _sub(sub, "add", cmd_add, "store a condition written by hand: a persona or an instruction",
               "Store a condition written by hand. Its text is the system message, sent exactly as given:\n"
               "kind custom for a persona (\"You are a retired nurse ...\"), instruction for an instruction\n"
               "such as a role-play. The id is made from the name unless --id is given.")
    add.add_argument("--name", required=True, help="a one-line name, shown in tables")
    add.add_argument("--kind", required=True, choices=WRITTEN_KINDS, help="custom (a persona) or instruction")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the system message")
    source.add_argument("--file", type=Path, metavar="PATH", help="a UTF-8 file whose whole text is the system message")
    add.add_argument("--id", dest="condition_id", metavar="ID", help="the id (default: made from the name)")
    add.add_argument("--attribute", action="append", default=[], metavar="KEY=VALUE",
                     help="what the condition stands for, for metrics (e.g. value_type=benevolence); repeatable")
    add.add_argument("--notes", default="", help="a note kept with the condition")

    roleplay = _sub(sub, "roleplay", cmd_roleplay, "store one role-play instruction per Schwartz value type",
                    "Store role-play conditions: one instruction per value type (all ten by default), its text\n"
                    "from prompts/roleplay.txt and its attribute value_type naming the type it holds.\n"
                    "Existing ones are left as they are unless --replace.")
    roleplay.add_argument("--values", metavar="T1,T2,...", help="value type ids (default: all ten; see data/values.toml)")
    roleplay.add_argument("--replace", action="store_true", help="rewrite existing role-play conditions with the template")

    _sub(sub, "countries", cmd_countries, "store the twelve VIA country personas (\"You are a person from ...\")",
         "Store one persona of kind country per country of Shen et al.'s VIA data; its system message is\n"
         "prompts/via_country.txt with the country filled in. Existing country personas are updated.")

    add_json_option(_sub(sub, "list", cmd_list, "list personas with kind, map position and extremity"))
    _sub(sub, "variables", cmd_variables, "the persona variables in use, their dimensions and balance")

    show = _sub(sub, "show", cmd_show, "show a persona's levels, position and the text a model reads")
    show.add_argument("id")

    exp = _sub(sub, "export", cmd_export, "write every persona as JSONL")
    exp.add_argument("output", help="file to write, or - for standard output")

    imp = _sub(sub, "import", cmd_import, "import personas or written conditions from JSONL or TOML (all or nothing)",
               "Import personas (JSONL, as export writes it) or written conditions (a .toml file of\n"
               "[[conditions]] tables, or JSONL; docs/personas.md). Everything is validated first; on any\n"
               "error nothing is written and the message names the line and field. Existing ids are updated.")
    imp.add_argument("input", help="a .toml or .jsonl file")


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
    if persona.position is None:
        return "-"
    ts, sse = persona.position
    return f"({ts:+.2f}, {sse:+.2f})"


def _extremity(persona: Persona) -> str:
    return "-" if persona.extremity is None else f"{persona.extremity:.2f}"


def _attributes(pairs: list[str]) -> dict[str, str]:
    attributes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--attribute {pair!r}: write KEY=VALUE, e.g. value_type=benevolence", 2)
        attributes[key.strip()] = value.strip()
    return attributes


def cmd_add(args) -> int:
    from valuegap_tui.personas.written import written_condition

    if args.file is not None:
        try:
            text = read_text_file(args.file, "text file")
        except ImportFailure as exc:
            raise CliError(f"nothing stored: {exc}") from None
    else:
        text = args.text
    study = open_or_create(args.study)
    taken = {p.id for p in persona_store.list_all(study)}
    if args.condition_id in taken:
        raise CliError(f"nothing stored: id {args.condition_id!r} is taken (choose another --id, or edit it on the "
                       "Personas screen)")
    try:
        condition = written_condition(args.name, args.kind, text, condition_id=args.condition_id,
                                      attributes=_attributes(args.attribute), notes=args.notes, taken=taken)
    except ValueError as exc:
        raise CliError(f"nothing stored: {exc}", 2) from None
    persona_store.save(study, condition)
    print(f"stored {condition.kind} condition {condition.id} ({len(text):,} characters)")
    return 0


def cmd_roleplay(args) -> int:
    from valuegap_tui.personas.written import roleplay_conditions

    wanted = None if args.values is None else [v.strip() for v in args.values.split(",") if v.strip()]
    try:
        conditions = roleplay_conditions(wanted)
    except ValueError as exc:
        raise CliError(f"--values: {exc}", 2) from None
    study = open_or_create(args.study)
    new = conditions if args.replace else [c for c in conditions if not persona_store.exists(study, c.id)]
    persona_store.save_many(study, new)
    skipped = len(conditions) - len(new)
    print(f"stored {len(new)} role-play conditions" + (f"; {skipped} already there, left as they are "
                                                      "(use --replace to rewrite them)" if skipped else ""))
    return 0


def cmd_generate(args) -> int:
    from valuegap_tui.personas.sampling import sample_personas

    if args.incongruous is not None and args.incongruous < 0:
        raise CliError("--incongruous must be 0 or more", 2)
    if args.per_kind is not None and args.per_kind < 1:
        raise CliError("--per-kind must be 1 or more", 2)
    if args.incongruous is not None and (args.per_kind is not None or args.match is not None):
        raise CliError("--incongruous stores the canonical set; --per-kind and --match draw a sample: give one or "
                       "the other", 2)
    try:
        if args.incongruous is not None:
            personas = generate_personas(seed=args.seed, incongruous=args.incongruous)
        else:
            personas = sample_personas(args.per_kind or DEFAULT_PER_KIND, seed=args.seed, match=args.match)
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
    if args.json:
        print_json({"study": str(study.path), "personas": [
            {"id": p.id, "name": p.name, "kind": str(getattr(p.kind, "value", p.kind)), "levels": p.levels,
             "position": None if p.position is None else {"traditional_secular": p.position[0],
                                                          "survival_self_expression": p.position[1]},
             "extremity": p.extremity, "attributes": p.attributes, "written": p.text is not None}
            for p in personas]})
        return 0
    if not personas:
        print("no personas yet (create them with: valuegap personas generate)", file=sys.stderr)
        return 0
    width = max(len(p.id) for p in personas)
    print(f"{'id':<{width}}  {'kind':<11}  {'position (trad-sec, surv-self)':<30}  {'extremity':<9}  name")
    for persona in personas:
        print(visible(f"{persona.id:<{width}}  {persona.kind:<11}  {_position(persona):<30}  {_extremity(persona):<9}  "
                      f"{persona.name}", newlines=False, tabs=False))
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
    print(visible(f"{persona.name}  [{persona.id}, {persona.kind}]"))
    if persona.position is None:
        print("written by hand: no levels, no place on the cultural map")
    else:
        print(f"position: traditional->secular {persona.position[0]:+.2f}, survival->self-expression "
              f"{persona.position[1]:+.2f}; extremity {persona.extremity:.2f}")
    if persona.notes:
        print(visible(f"notes: {persona.notes}"))
    for key, value in persona.attributes.items():
        print(visible(f"attribute {key}: {value}", newlines=False))
    if persona.levels:
        print("levels:")
        for variable in catalogue().persona_variables:
            level = persona.levels[variable.id]
            print(f"  {variable.name:<24} {level}  {variable.levels[level - 1].text}")
    text = render_persona_text(persona)
    print("system message:" if text else "system message: none (baseline)")
    if text:
        print(visible(text))
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


def cmd_import(args) -> int:
    from valuegap_tui.personas.written import read_conditions

    try:
        personas = read_conditions(args.input)
    except ImportFailure as exc:
        raise CliError(f"nothing imported: {exc}") from None
    study = open_or_create(args.study)
    for persona in personas:
        # a run asked with the stored text: a new text under the same id would blur what that run means
        old = persona_store.get(study, persona.id) if persona.written else None
        if old is not None and old.text != persona.text and (runs := persona_store.runs_using(study, persona.id)):
            raise CliError(f"nothing imported: {args.input}: condition {persona.id!r} is used by run {runs[0]} and the "
                           "file changes its text; give the new text another id")
    updated = sum(persona_store.exists(study, p.id) for p in personas)
    persona_store.save_many(study, personas)
    print(f"imported {len(personas)} personas ({len(personas) - updated} new, {updated} updated)")
    return 0
