"""The Results screen's Respondents tab: every respondent (models and people) with its progress and its
gap on the people's items, then the paired comparisons between respondents (``metrics.humans``,
``metrics.between``; docs/respond.md)."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from valuegap_tui.report.collection import Respondents, collection_status, respondents_of
from valuegap_tui.metrics.summary import filter_frame
from valuegap_tui.metrics.table import Table
from valuegap_tui.text import one_line
from valuegap_tui.tui.widgets.result_cells import fit, num, p_text

RESPONDENT_COLUMNS = ("Respondent", "State", "Asked", "Items", "AR", "AD", "r", "Among people\nAR / AD")
PAIR_COLUMNS = ("First", "Second", "Dilemmas", "ΔAR [95% CI]", "p Holm / BH", "ΔAD [95% CI]", "p Holm / BH",
                "Among people\nAR / AD")
ONLY_MODELS = "Models only, each on all its answers; once people answer (valuegap respond), a model is set on theirs."
WITH_PEOPLE = ("A model is set on the people's items: the conditions, dilemmas and option orders they answered. "
               "Among people: the share of people below the model, each on the items both answered.")
PAIRS = ("Paired comparisons on condition {condition}, over the dilemmas both answered (vs people: their mean on "
         "each dilemma). Δ = first - second [95% CI]; p: sign-flip, Holm / BH across the comparisons.")


def _difference(row: dict, prefix: str) -> Text:
    value, low, high = row[f"{prefix}_difference"], row[f"{prefix}_low"], row[f"{prefix}_high"]
    if math.isnan(value):
        return Text("–")
    text = f"{value:+.3f}" + ("" if math.isnan(low) else f" [{low:+.3f},{high:+.3f}]")
    return Text(text, style="bold" if not math.isnan(low) and (low > 0 or high < 0) else "")


def _adjusted(row: dict, prefix: str) -> Text:
    holm, bh = row[f"{prefix}_p_holm"], row[f"{prefix}_p_bh"]
    if math.isnan(holm):
        return Text("–")
    return Text(f"{p_text(holm)} / {p_text(bh)}", style="bold" if bh <= 0.05 else "")


UNREAD = object()  # RespondentsCache.get: the run's status is read there


class RespondentsCache:
    """The Respondents tab's numbers for the answers shown, computed in the Results screen's worker and
    kept while the same answers are shown: switching respondents does not compute them again."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._by_bootstrap: dict[bool, Respondents] = {}

    def get(self, study, run_id: int, frame, topic: str | None, aggregate: str, bootstrap: bool,
            collection=UNREAD) -> Respondents:
        """``collection``: the run's status, already read (None: it could not be); else read here."""
        # the screen keeps the run's frame while it is shown; a status read anew that differs starts afresh
        key = (run_id, id(frame), topic, aggregate, None if collection is UNREAD else collection)
        if self._key != key:
            self._key, self._by_bootstrap = key, {}
        if bootstrap not in self._by_bootstrap and True not in self._by_bootstrap:
            known = next(iter(self._by_bootstrap.values()), None)  # the same answers: their status is read
            if collection is not UNREAD:
                pass
            elif known is not None:
                collection = known.collection
            else:
                try:
                    collection = collection_status(study, run_id)
                except Exception:  # the run's status cannot be read (gone, or not a stored run): say nothing
                    collection = None
            self._by_bootstrap[bootstrap] = respondents_of(filter_frame(frame, None, topic), collection, aggregate,
                                                           bootstrap=bootstrap)
        return self._by_bootstrap.get(True) or self._by_bootstrap[bootstrap]


class RespondentsPane(VerticalScroll):
    DEFAULT_CSS = """
    RespondentsPane > Static { padding: 0 1; }
    RespondentsPane > DataTable { height: auto; margin: 0 0 1 0; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="respondents-title", markup=False)
        yield DataTable(id="respondents-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="respondents-pairs-title", markup=False)
        yield DataTable(id="respondents-pairs", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for selector, columns in (("#respondents-table", RESPONDENT_COLUMNS), ("#respondents-pairs", PAIR_COLUMNS)):
            table = self.query_one(selector, DataTable)
            table.header_height = 2
            table.add_columns(*columns)

    def show(self, respondents: Table | None, pairs: Table | None) -> None:
        """Fill both tables (None: nothing known yet, or a run of another design)."""
        records = respondents.records() if respondents is not None else []
        people = any(r["kind"] == "human" for r in records)
        self.query_one("#respondents-title", Static).update(Text(WITH_PEOPLE if people else ONLY_MODELS))
        table = self.query_one("#respondents-table", DataTable)
        table.clear()
        for r in records:
            asked = f"{r['asked']}/{r['planned']}" if r["planned"] is not None else str(r["asked"])
            among = "" if r["kind"] == "human" or not people else (f"{num(r['ar_percentile_among_humans'], 2)} / "
                                                                    f"{num(r['ad_percentile_among_humans'], 2)}")
            table.add_row(Text(fit(r["respondent"])), Text(one_line(r["status"] or "–")), Text(asked),
                          Text(str(r["items"])), Text(num(r["alignment_rate"])), Text(num(r["alignment_distance"])),
                          Text(num(r["stated_enacted_r"], 2)), Text(among))
        rows = pairs.records() if pairs is not None else []
        title = self.query_one("#respondents-pairs-title", Static)
        if not rows:
            title.update(Text("Paired comparisons: nothing to compare yet (no two respondents have paired answers "
                              "on the same dilemmas of a condition)."))
        else:
            title.update(Text(PAIRS.format(condition=one_line(rows[0]["condition"]))))
        data = self.query_one("#respondents-pairs", DataTable)
        data.clear()
        for r in rows:
            second = f"people ({r['people']})" if r["second"] == "people" else r["second"]
            among = (f"{num(r['ar_percentile_among_people'], 2)} / {num(r['ad_percentile_among_people'], 2)}"
                     if r["second"] == "people" else "")
            data.add_row(Text(fit(r["first"], 18)), Text(fit(second, 18)), Text(str(r["dilemmas"])),
                         _difference(r, "ar"), _adjusted(r, "ar"), _difference(r, "ad"), _adjusted(r, "ad"),
                         Text(among))
