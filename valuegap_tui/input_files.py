"""Reading a file a person hands the tool (dilemmas, conditions, answers): untrusted input.

Every reader holds it to the input caps (``valuegap_tui.limits``) and fails with an ``ImportFailure``
that names the file, the line and the field, and says why; nothing is written before a whole file reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from valuegap_tui.limits import LimitError, Limits, read_bytes
from valuegap_tui.limits import parse_json as bounded_json
from valuegap_tui.settings import current_limits

#: longest reason shown: a validation message may quote a whole (hostile) cell
MAX_REASON = 400


class ImportFailure(ValueError):
    """A file could not be imported; nothing was written."""

    def __init__(self, path: Path | str, line: int | None, field: str | None, reason: str):
        if len(reason) > MAX_REASON:
            reason = reason[:MAX_REASON] + f"... ({len(reason):,} characters)"
        self.path, self.line, self.field, self.reason = str(path), line, field, reason
        where = f"{self.path}" + (f", line {line}" if line is not None else "") + (f", field {field}" if field else "")
        super().__init__(f"{where}: {reason}")


def parse_json(text: str, limits: Limits | None = None) -> Any:
    """``json.loads`` held to the input caps (valuegap_tui.limits); every failure is a ValueError with a
    reason fit to show (a LimitError names the field)."""
    return bounded_json(text, limits or current_limits())


def read_text_file(path: Path, what: str = "file", limits: Limits | None = None) -> str:
    """A UTF-8 text file (a byte-order mark is dropped), or ImportFailure saying why it cannot be read.

    Refused past the size cap, by the size the file declares and by the bytes read (a pipe or device).
    Line ends are kept as written ("\r\n" inside quoted CSV cells too).
    """
    try:
        data = read_bytes(Path(path), limits or current_limits())
        return data.decode("utf-8-sig")
    except LimitError as exc:
        raise ImportFailure(path, None, None, str(exc)) from None
    except FileNotFoundError:
        raise ImportFailure(path, None, None, "file not found") from None
    except IsADirectoryError:
        raise ImportFailure(path, None, None, f"is a folder, not a {what}") from None
    except UnicodeDecodeError as exc:
        raise ImportFailure(path, None, None, f"not UTF-8 text (byte {exc.start}): is this the right {what}?") from None
    except OSError as exc:
        raise ImportFailure(path, None, None, f"cannot read: {exc.strerror or exc}") from None


def jsonl_objects(text: str, path: Path | str, limits: Limits | None = None) -> list[tuple[int, dict]]:
    """Each non-blank line as a JSON object, with its line number; the first line that is not one raises
    (held to the input caps, the same as a CSV cell)."""
    limits = limits or current_limits()
    objects = []
    # split on "\n" only: str.splitlines() would also break on U+2028 and friends inside JSON strings
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = parse_json(line, limits)
        except LimitError as exc:
            raise ImportFailure(path, line_no, exc.field, exc.reason) from None
        except ValueError as exc:
            raise ImportFailure(path, line_no, None, str(exc)) from None
        if not isinstance(record, dict):
            raise ImportFailure(path, line_no, None, "expected a JSON object per line")
        objects.append((line_no, record))
    return objects
