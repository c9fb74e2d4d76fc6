"""JSON on the request path: orjson when it is installed, else the standard library.

A run encodes a ~1.5 KB request body and decodes a reply for every question; measured on a
2-core machine, orjson takes about 1.3 us and 3 us for them where ``json`` takes 10-24 us and
8-18 us (bench/vs_peers.py shows the whole-path figure). What either cannot take falls back to
``json``: orjson reads no NaN or Infinity (which some servers write in logprobs) and writes no
integer past 64 bits.
"""

from __future__ import annotations

import json
from typing import Any

try:
    import orjson
except ImportError:  # the standard library does the same, more slowly
    orjson = None


def dumps(value: Any) -> bytes:
    if orjson is not None:
        try:
            return orjson.dumps(value)
        except TypeError:
            pass  # e.g. an integer past 64 bits in a user's extra_body: json says what is wrong, or writes it
    return json.dumps(value).encode()


def loads(data: bytes | str) -> Any:
    if orjson is not None:
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # NaN or Infinity: json reads those; it raises ValueError for the rest. (orjson 3.13 reads
            # an integer past 64 bits as a float, where json keeps an integer: a reply's token counts then
            # read as no count, since a count is an integer)
    return json.loads(data)
