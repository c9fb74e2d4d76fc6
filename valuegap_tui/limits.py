"""How much one input may hold, and the checks that hold every reader to it.

Every file valuegap reads from outside (dilemmas, personas, conditions, questionnaires, VIA files, review
and answer files, batch results, run definitions) passes through here:

- ``input_mb`` (256 MiB): a file, or a member of a zip, larger than this is refused before it is read
  (by the size the file system or the zip declares) and while it is read (by the bytes actually read,
  for what declares no size, such as a pipe or a device);
- ``field_chars`` (131,072 characters, CSV's own cell limit): any text field longer than this, whether it
  comes from CSV, JSONL, JSON or TOML;
- ``json_depth`` (64 levels): JSON nested deeper than this (a record needs about five).

A NUL character in a text field is refused too: it ends a string in most tools a study's text reaches.
Each refusal names the cap and how to raise it: an environment variable (``VALUEGAP_MAX_INPUT_MB``,
``VALUEGAP_MAX_FIELD_CHARS``, ``VALUEGAP_MAX_JSON_DEPTH``), or the ``[limits]`` section of config.toml
(``input_mb``, ``field_chars``, ``json_depth``); the variable wins (``settings.current_limits``).
This module imports nothing of valuegap's, so every reader may use it.
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


class LimitError(ValueError):
    """An input goes past a cap, or holds a NUL; ``field`` names where (a dotted path), if known."""

    def __init__(self, reason: str, field: str | None = None):
        self.reason, self.field = reason, field
        super().__init__(f"field {field}: {reason}" if field else reason)


@dataclass(frozen=True)
class Limits:
    input_mb: int = 256
    field_chars: int = 131_072
    json_depth: int = 64

    @property
    def input_bytes(self) -> int:
        return self.input_mb * MIB


_HOW = {"input_mb": "VALUEGAP_MAX_INPUT_MB", "field_chars": "VALUEGAP_MAX_FIELD_CHARS",
        "json_depth": "VALUEGAP_MAX_JSON_DEPTH"}


def how_to_raise(cap: str) -> str:
    return f"raise the cap with {_HOW[cap]}=N or [limits] {cap} = N in config.toml"


# --- sizes ------------------------------------------------------------------------------------------
def too_large(size: int, limits: Limits, what: str = "the file") -> LimitError:
    return LimitError(f"{what} holds {size / MIB:,.1f} MiB, over the cap of {limits.input_mb:,} MiB:"
                      f" {how_to_raise('input_mb')}")


def check_file_size(path: Path, limits: Limits | None = None) -> None:
    """Refuse a regular file larger than the cap before reading it (a pipe or device is counted as it is
    read instead)."""
    limits = limits or Limits()
    try:
        size = os.stat(path).st_size
    except OSError:
        return  # opening it says why
    if size > limits.input_bytes:
        raise too_large(size, limits)


class CappedReader(io.RawIOBase):
    """A binary stream that refuses (LimitError) once more than the cap has been read from ``raw``."""

    def __init__(self, raw, limits: Limits, what: str = "the file"):
        self.raw, self.limits, self.what, self.read_so_far = raw, limits, what, 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self.raw.close()
        super().close()

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.limits.input_bytes:
            raise LimitError(f"{self.what} holds more than {self.limits.input_mb:,} MiB (the cap):"
                             f" {how_to_raise('input_mb')}")
        buffer[: len(data)] = data
        return len(data)


def read_bytes(path: Path, limits: Limits | None = None) -> bytes:
    """The whole file, refused past the cap (declared size first, then the bytes read)."""
    limits = limits or Limits()
    check_file_size(path, limits)
    chunks, total = [], 0
    with open(path, "rb") as handle:
        # in pieces: read(cap) would set aside the whole cap up front, whatever the file holds
        while chunk := handle.read(MIB):
            total += len(chunk)
            if total > limits.input_bytes:
                raise LimitError(f"the file holds more than {limits.input_mb:,} MiB (the cap):"
                                 f" {how_to_raise('input_mb')}")
            chunks.append(chunk)
    return b"".join(chunks)


def open_text(path: Path, limits: Limits | None = None, encoding: str = "utf-8-sig") -> io.TextIOWrapper:
    """The file as text, read as a stream (line by line keeps memory small) and refused past the cap:
    by its declared size at once, by the bytes read as it goes. Line ends are kept as written."""
    limits = limits or Limits()
    check_file_size(path, limits)
    raw = open(path, "rb")
    return io.TextIOWrapper(io.BufferedReader(CappedReader(raw, limits)), encoding=encoding, newline="")


# --- records ----------------------------------------------------------------------------------------
def check_value(value: Any, limits: Limits | None = None, *, depth: int = 0, allow_nul: bool = False) -> None:
    """Refuse (LimitError naming the field) a text longer than the cap, a NUL in a text, or nesting deeper
    than the cap, anywhere in ``value`` (dicts and lists as JSON or TOML gives them). ``allow_nul`` for
    a model's reply, which is kept exactly as it came (and shown visibly)."""
    limits = limits or Limits()
    stack: list[tuple[Any, tuple, int]] = [(value, (), depth)]
    while stack:
        item, path, level = stack.pop()
        if isinstance(item, str):
            _check_text(item, limits, path, allow_nul)
        elif isinstance(item, dict):
            if level >= limits.json_depth:
                raise nested_too_deeply(limits, path)
            for key, inner in item.items():
                _check_text(str(key), limits, path)
                stack.append((inner, (*path, key), level + 1))
        elif isinstance(item, list):
            if level >= limits.json_depth:
                raise nested_too_deeply(limits, path)
            stack.extend((inner, (*path, i), level + 1) for i, inner in enumerate(item))


def _dotted(path: tuple) -> str | None:
    return ".".join(str(part) for part in path) or None


def _check_text(text: str, limits: Limits, path: tuple, allow_nul: bool = False) -> None:
    if len(text) > limits.field_chars:
        raise LimitError(f"{len(text):,} characters, over the cap of {limits.field_chars:,} for one field:"
                         f" shorten it, or {how_to_raise('field_chars')}", _dotted(path))
    if "\x00" in text and not allow_nul:
        raise LimitError(f"holds a NUL character (\\u0000, at character {text.index(chr(0)) + 1}): remove it",
                         _dotted(path))


def nested_too_deeply(limits: Limits, path: tuple = ()) -> LimitError:
    return LimitError(f"nested more than {limits.json_depth} levels deep (arrays or objects inside each other):"
                      f" is this the right file? If so, {how_to_raise('json_depth')}", _dotted(path))


def parse_json(text: str | bytes, limits: Limits | None = None, *, allow_nul: bool = False) -> Any:
    """``json.loads`` held to the caps; every failure is a ValueError with a reason fit to show.

    Besides syntax errors, the decoder raises RecursionError on deep nesting and a bare ValueError on a
    number longer than Python's integer-string limit; both come from broken or hostile files.
    """
    limits = limits or Limits()
    if isinstance(text, bytes):  # a file's bytes: UTF-8 (json.loads would guess UTF-16 or -32 too)
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise nested_too_deeply(limits) from None
    except ValueError:
        raise ValueError(f"a number with more than {sys.get_int_max_str_digits():,} digits") from None
    check_value(value, limits, allow_nul=allow_nul)
    return value
