"""The table of hostile inputs: what a case is, the studies they are tried on, and the shared builders.

A case names a command line (``{f}`` is the case's file, ``{tmp}`` its folder), the files it writes
first, the environment and config file it sets, the study it is tried on, and a word or two the one
refusal line must hold. ``listing`` marks a command that lists each unusable row before its one
refusal line (import-shen); ``stdout`` marks `config check`, whose report is its output.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from valuegap_tui.paths import DATA_DIR

SAMPLE = DATA_DIR / "sample" / "dilemmas.jsonl"
DEEP = "[" * 100_000 + "]" * 100_000
LONG = "x" * 200_000
DIGITS = "9" * 5000


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str | tuple[str, ...]
    files: dict[str, bytes | str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    config: str | bytes | None = None
    study: str = "poster"
    listing: bool = False
    stdout: bool = False

    @property
    def expected(self) -> tuple[str, ...]:
        return (self.expect,) if isinstance(self.expect, str) else self.expect


def dump_digest(path: Path) -> str:
    """A hash of the study's SQL dump: any stored change alters it, how SQLite laid out the pages does not."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()
    finally:
        connection.close()


# --- builders ---------------------------------------------------------------------------------------
def sample_records() -> list[dict]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def record(**changes) -> dict:
    """The first sample dilemma, changed; its id goes when the value, topic or variant changes."""
    base = sample_records()[0]
    if {"value", "topic", "variant"} & set(changes):
        base.pop("id")
    base.update(changes)
    return base


def with_option(index: int, **changes) -> dict:
    base = record()
    base["options"] = [dict(o) for o in base["options"]]
    base["options"][index].update(changes)
    return base


def jsonl(*records: dict | str) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def sample_csv(mutate=None, header=None) -> str:
    """The sample as CSV (as `valuegap export` writes it), its rows changed by ``mutate(rows)``."""
    from valuegap_tui.dataset.transfer import dilemmas_to_csv, read_dilemmas

    reader = csv.DictReader(io.StringIO(dilemmas_to_csv(read_dilemmas(SAMPLE)[:2]), newline=""))
    fields, rows = list(reader.fieldnames), list(reader)
    if mutate:
        mutate(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header or fields)
    for row in rows:
        writer.writerow([row.get(f, "") for f in fields] + row.get("_extra", []))
    return out.getvalue()


def set_cell(column: str, value: str, row: int = 0):
    def mutate(rows):
        rows[row][column] = value
    return mutate


RUN = '''name = "r"
{top}
[[models]]
name = "m"
{model}
[dilemmas]
status = []
{filters}
'''


def run_toml(top: str = "", model: str = 'endpoints = ["http://127.0.0.1:9/v1"]', filters: str = "") -> str:
    return RUN.format(top=top, model=model, filters=filters)


def condition(**changes) -> dict:
    base = {"name": "Careful nurse", "kind": "custom", "text": "You are a careful nurse."}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


QUESTIONNAIRE = '''[questionnaire]
id = "pvq-mini"
name = "Mini portraits"
{head}
{items}'''


def questionnaire(head: str = "", items: list[dict] | None = None, item_changes: dict | None = None) -> str:
    """A questionnaire with one item per basic value; ``item_changes`` changes the first item."""
    from valuegap_tui.designs.valact.items import value_types

    items = items if items is not None else [
        {"id": f"i{n}", "value": t, "text": f"It is important to this person to care about {t}."}
        for n, t in enumerate(value_types(), start=1)]
    if item_changes:
        items[0] = {**items[0], **item_changes}
    body = ""
    for item in items:
        body += "[[items]]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in item.items())
    return QUESTIONNAIRE.format(head=head, items=body)


VIA_HEADER = ",,country,topic,value,polarity,generation_prompt\n"


def via_row(n: int, country="Nigeria", topic="politics", value="wisdom", polarity="positive",
            prompt='{"Human Action": "You vote.", "Natural Language Explanation": "x"}') -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([n, n, country, topic, value, polarity, prompt])
    return buffer.getvalue()


def via_csv(*rows: str) -> str:
    """The header and ``rows``; without rows, one readable item (an expressing and a resisting action)."""
    resisting = '{"Human Action": "You abstain.", "Natural Language Explanation": "y"}'
    return VIA_HEADER + "".join(rows or (via_row(0), via_row(1, polarity="negative", prompt=resisting)))


def zip_bytes(members: dict[str, bytes], *, declared: dict[str, int] | None = None) -> bytes:
    """A zip of ``members``; ``declared`` forges the uncompressed size a member claims."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data = buffer.getvalue()
    for name, size in (declared or {}).items():
        data = _forge_size(data, name.encode(), size)
    return data


def _forge_size(data: bytes, name: bytes, size: int) -> bytes:
    """Write ``size`` as the member's uncompressed size in its local and central headers."""
    import struct

    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := out.find(signature, start)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at:name_at + len(name)] == name:
                struct.pack_into("<I", out, at + offset, size)
            start = at + 4
    return bytes(out)


def bomb(mib: int) -> bytes:
    """A zip holding a CSV member of ``mib`` MiB of repeated rows (a few hundred KiB compressed)."""
    import zipfile

    row = via_row(0).encode()
    chunk = row * (1024 * 1024 // len(row))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("via.csv", "w", force_zip64=True) as member:
            member.write(VIA_HEADER.encode())
            for _ in range(mib):
                member.write(chunk)
    return buffer.getvalue()
