"""The three file formats of the answers export, each written as the rows stream past.

CSV and JSONL write row by row; Parquet writes row groups of ``PARQUET_BATCH`` rows (pyarrow's
``ParquetWriter``), so memory stays bounded by one batch whatever the run's size.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from valuegap_tui.export.arrow_columns import column_array
from valuegap_tui.export.columns import COLUMN_NAMES, COLUMNS

#: rows per Parquet row group: a few MB of Python rows held at a time (peak memory grows with it)
PARQUET_BATCH = 4096


class _Lines(list):
    """Where the csv writer puts its lines: kept here and written to the file in blocks."""

    write = list.append


def write_csv(parts: Iterable[tuple[tuple, tuple]], fh, header: bool = True) -> int:
    """``answer_parts``' rows as CSV (after the header line, unless ``header`` is False: a later stretch
    of the same file). A head shared by consecutive rows is encoded once: QUOTE_MINIMAL quotes each
    field on its own, so a row's line is its head's fields, a comma and its tail's."""
    # RFC 4180 line ends; the csv module writes None as an empty field and a float as its repr (the
    # shortest text that reads back as the same number)
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")
    if header:
        writer.writerow(COLUMN_NAMES)
    n, last_head, head_text = 0, None, ""
    for head, tail in parts:
        if head is not last_head:
            writer.writerow(head)
            last_head, head_text = head, lines.pop()[:-2] + ","
        lines.append(head_text)
        writer.writerow(tail)
        n += 1
        if len(lines) >= 8192:
            fh.write("".join(lines))
            lines.clear()
    fh.write("".join(lines))
    return n


def write_jsonl(rows: Iterable[tuple], fh) -> int:
    n = 0
    dumps, names = json.dumps, COLUMN_NAMES
    for row in rows:
        fh.write(dumps(dict(zip(names, row)), ensure_ascii=False) + "\n")
        n += 1
    return n


def _batches(rows: Iterable[tuple], size: int):
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def parquet_schema():
    import pyarrow as pa

    types = {"integer": pa.int64(), "boolean": pa.int8(), "number": pa.float64(), "text": pa.string(),
             # categories as dictionaries: R's arrow reads them as factors, pandas as categoricals
             "category": pa.dictionary(pa.int32(), pa.string())}
    return pa.schema([pa.field(c.name, types[c.type]) for c in COLUMNS])


def write_parquet(rows: Iterable[tuple], path: Path, batch_rows: int | None = None) -> int:
    """A row group per ``batch_rows`` rows: the Python rows of one batch are all that is held. No
    min/max statistics: they would grow the footer, held in memory until the file closes, with every
    group, and the export is read whole, not filtered by group."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema()
    types = [c.type for c in COLUMNS]
    n = 0
    with pq.ParquetWriter(path, schema, write_statistics=False) as writer:
        for batch in _batches(rows, batch_rows or PARQUET_BATCH):
            arrays = [column_array(pa, kind, values) for kind, values in zip(types, zip(*batch))]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
            n += len(batch)
            del batch, arrays
    return n
