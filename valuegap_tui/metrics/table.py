"""A small named table: what the screens show and the report writes as CSV."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)

    def column(self, name: str) -> list:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def write_csv(self, path: Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(self.columns)
            for row in self.rows:
                writer.writerow(["" if _missing(v) else (f"{v:.6g}" if isinstance(v, float) else v) for v in row])


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
