"""Alignment labels as coloured chips, from opposing (red) to aligning (blue)."""

from __future__ import annotations

from rich.text import Text

from valuegap_tui.designs.graded_actions.models import AlignmentLabel

LABEL_STYLES = {
    AlignmentLabel.STRONGLY_ALIGNING: "bold white on #1f4e9c",
    AlignmentLabel.MODERATELY_ALIGNING: "white on #3d7bd9",
    AlignmentLabel.MILDLY_ALIGNING: "black on #9cc3f5",
    AlignmentLabel.MILDLY_OPPOSING: "black on #f5b3a6",
    AlignmentLabel.MODERATELY_OPPOSING: "white on #d9573d",
    AlignmentLabel.STRONGLY_OPPOSING: "bold white on #9c2a1f",
}

SHORT = {
    AlignmentLabel.STRONGLY_ALIGNING: "+3 strong align",
    AlignmentLabel.MODERATELY_ALIGNING: "+2 moderate align",
    AlignmentLabel.MILDLY_ALIGNING: "+1 mild align",
    AlignmentLabel.MILDLY_OPPOSING: "-1 mild oppose",
    AlignmentLabel.MODERATELY_OPPOSING: "-2 moderate oppose",
    AlignmentLabel.STRONGLY_OPPOSING: "-3 strong oppose",
}


def label_text(label: AlignmentLabel) -> Text:
    return Text(f" {SHORT[label]:<18}", style=LABEL_STYLES[label])
