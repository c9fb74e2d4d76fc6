"""Reading an answers export as pandas does and checking every column against its data dictionary."""

from __future__ import annotations

import json
from pathlib import Path

from valuegap_tui.designs import design_ids
from valuegap_tui.export import COLUMNS
from valuegap_tui.export.answers import dictionary_path
from valuegap_tui.outcomes import OUTCOMES


def read_export(path: Path):
    """The CSV as the docs tell a researcher to read it."""
    import pandas as pd

    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def check_against_dictionary(frame, path: Path) -> dict:
    """Every column of ``frame`` has the dictionary's name, type and codes; returns the dictionary."""
    import pandas as pd

    sidecar = json.loads(dictionary_path(path).read_text(encoding="utf-8"))
    assert [c["name"] for c in sidecar["columns"]] == list(frame.columns) == [c.name for c in COLUMNS]
    for column in sidecar["columns"]:
        name, values = column["name"], frame[column["name"]]
        present = values.dropna()
        if column["type"] in ("integer", "boolean"):
            assert pd.api.types.is_numeric_dtype(values), (name, values.dtype)
            assert (present == present.round()).all(), name
        if column["type"] == "boolean":
            assert set(present) <= {0, 1}, name
        if column["type"] == "number":
            assert pd.api.types.is_numeric_dtype(values) or present.empty, (name, values.dtype)
        if column["type"] in ("text", "category"):
            assert all(isinstance(v, str) for v in present), (name, values.dtype)
    designs = sidecar["designs"]
    assert set(frame["design"]) == set(designs) and set(designs) <= set(design_ids())
    assert set(frame["respondent_kind"]) <= {"model", "human"}
    assert ((frame["respondent_kind"] == "human") == frame["respondent"].str.startswith("human:")).all()
    assert set(frame["outcome"]) <= set(OUTCOMES)
    assert set(frame["item_status"]) <= {"answered", "invalid", "server_error", "pending"}
    answered = frame[frame["option"].notna()]
    for _, row in answered.iterrows():
        question = designs[row["design"]]["questions"][row["question"]]
        labels = question["option_labels"]
        option = int(row["option"])
        assert row["option_label"] in labels, (row["question"], row["option_label"])
        if not question.get("varies_by_item"):
            assert labels[option] == row["option_label"]
            assert question["scores"][option] == row["score"]
        order = row["option_order"]
        assert isinstance(order, str) and order.isalpha() and sorted(order) == [chr(65 + k) for k in range(len(order))]
        assert order[int(row["position"])] == chr(65 + option) and row["letter"] == chr(65 + int(row["position"]))
        if question["ordinal"]:
            assert row["point"] == len(order) - option and row["score"] != 0
            assert (row["point"] > len(order) / 2) == (row["score"] > 0)
        else:
            assert pd.isna(row["point"]) and row["score"] == 0
    unanswered = frame[frame["option"].isna()]
    assert unanswered[["option_label", "point", "position"]].isna().all().all()
    return sidecar
