"""The request path's JSON: orjson when installed, the standard library for what orjson refuses."""

from __future__ import annotations

import json

import pytest

from valuegap_tui.server import wire


@pytest.mark.parametrize("value", [{"a": "é\u2028\x00", "n": [1, 2.5, None, True]}, {"big": 2**70}])
def test_dumps_writes_json_any_reader_reads_back(value):
    assert json.loads(wire.dumps(value)) == value


@pytest.mark.parametrize("text", ['{"lp": -Infinity}', '{"x": NaN}',
                                  '{"choices": [{"message": {"content": "B"}}]}'])
def test_loads_reads_what_either_library_reads(text):
    expected = json.loads(text)
    got = wire.loads(text.encode())
    assert json.dumps(got) == json.dumps(expected)


@pytest.mark.parametrize("text", [b"not json", b'{"a": ', b"\xff\xfe"])
def test_loads_raises_value_error_for_what_is_not_json(text):
    with pytest.raises(ValueError):
        wire.loads(text)


def test_without_orjson_the_standard_library_does_it(monkeypatch):
    monkeypatch.setattr(wire, "orjson", None)
    assert wire.dumps({"a": [1]}) == b'{"a": [1]}' and wire.loads(b'{"a": [1]}') == {"a": [1]}
