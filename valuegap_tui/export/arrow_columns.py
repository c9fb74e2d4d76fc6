"""Arrow arrays for the Parquet export, built from their buffers.

``pyarrow.array`` would do this, but it imports pandas, when pandas is installed, the first time it is
called (to recognise pandas objects): about 50 MB of a process that should hold one batch of rows. The
export's columns are five plain types, so their buffers are built here: a validity bitmap, the values
(``array`` module), and for text the UTF-8 bytes with their offsets; categories are dictionaries of
their distinct texts. ``tests/test_answers_export.py`` reads every Parquet export back against the
JSONL one.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

#: the ``array`` typecode of each numeric column type, and the value that stands in for a missing one
_NUMBERS = {"integer": ("q", 0), "boolean": ("b", 0), "number": ("d", 0.0)}


def _validity(pa, values) -> tuple[object, int]:
    """The validity bitmap (None when nothing is missing) and the number of missing values."""
    missing = values.count(None)
    if not missing:
        return None, 0
    bits = bytearray((len(values) + 7) // 8)
    for k, value in enumerate(values):
        if value is not None:
            bits[k >> 3] |= 1 << (k & 7)
    return pa.py_buffer(bytes(bits)), missing


def _strings(pa, values: list) -> object:
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = array("i", accumulate(map(len, encoded), initial=0))
    validity, missing = _validity(pa, values)
    return pa.Array.from_buffers(pa.string(), len(values), [validity, pa.py_buffer(offsets),
                                                            pa.py_buffer(b"".join(encoded))], null_count=missing)


def column_array(pa, column_type: str, values: tuple) -> object:
    """One column of a batch as an Arrow array of the export's type for ``column_type``."""
    values = list(values)
    if column_type in _NUMBERS:
        code, stand_in = _NUMBERS[column_type]
        data = array(code, [stand_in if v is None else v for v in values])
        validity, missing = _validity(pa, values)
        arrow_type = {"integer": pa.int64(), "boolean": pa.int8(), "number": pa.float64()}[column_type]
        return pa.Array.from_buffers(arrow_type, len(values), [validity, pa.py_buffer(data)], null_count=missing)
    if column_type == "text":
        return _strings(pa, values)
    # a category: the indices of its distinct texts, in order of appearance
    index: dict[str, int] = {}
    codes = [None if v is None else index.setdefault(v, len(index)) for v in values]
    validity, missing = _validity(pa, codes)
    indices = pa.Array.from_buffers(pa.int32(), len(codes), [validity, pa.py_buffer(
        array("i", [0 if c is None else c for c in codes]))], null_count=missing)
    return pa.DictionaryArray.from_arrays(indices, _strings(pa, list(index)))
