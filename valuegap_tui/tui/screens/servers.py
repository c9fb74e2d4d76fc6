"""The Servers screen: profiles and endpoints, health, probe findings, live per-endpoint counters."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from valuegap_tui.server.client import active_pools
from valuegap_tui.server.probe import ProbeFindings, check_health, probe_endpoint
from valuegap_tui.server.profiles import ProfileError, ServerProfile, load_profiles, profile_for_url
from valuegap_tui.store.server import latest_probes, save_probe
from valuegap_tui.text import one_line, visible
from valuegap_tui.tui.widgets.footer import KeysFooter
from valuegap_tui.tui.keys import bind

COLUMNS = ("Profile", "Endpoint", "Model", "Slots", "Health", "Constraint", "Logprobs", "In flight", "Rate/s",
           "Latency", "Errors")


@dataclass
class _Row:
    profile: ServerProfile
    index: int  # endpoint index in the profile

    @property
    def key(self) -> str:
        return f"{self.profile.name}|{self.profile.endpoints[self.index].display_url}"

    @property
    def url(self) -> str:
        return self.profile.endpoints[self.index].display_url


def _simulator_starter():
    """A function starting the simulated server in a background thread, or None when it is not installed.

    It returns (handle with .base_url, stop function)."""
    try:
        from valuegap_tui.simulator import run_simulator
    except ImportError:
        return None

    def start(study_path):
        context = run_simulator(study_path=study_path)
        handle = context.__enter__()
        return handle, lambda: context.__exit__(None, None, None)

    return start


class ServersScreen(Screen):
    BINDINGS = [
        bind("servers.probe", "probe"),
        bind("servers.health", "health"),
        bind("servers.reload", "reload"),
        bind("servers.simulator", "simulator"),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._rows: dict[str, _Row] = {}
        self._health: dict[str, str] = {}
        self._findings: dict[str, ProbeFindings] = {}
        self._extra_profiles: list[ServerProfile] = []
        self._simulator = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="servers-status", markup=False)
        table = DataTable(id="servers-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="servers-detail", markup=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.action_reload()
        self.set_interval(1.0, self._refresh_counters)

    # --- data ----------------------------------------------------------------------------------
    def _set_status(self, message: str) -> None:
        self.query_one("#servers-status", Static).update(Text(visible(message)))

    def action_reload(self) -> None:
        try:
            profiles = list(load_profiles().values())
            status = f"{len(profiles)} profile(s) from the config and OPENAI_BASE_URL"
        except ProfileError as exc:
            profiles, status = [], f"server profiles: {exc}"
        profiles += self._extra_profiles
        try:
            for found in latest_probes(self.app.study):
                self._findings.setdefault(found.base_url, found)
        except Exception as exc:  # an unreadable study must not take the screen down
            status += f"; stored probe findings unreadable: {exc}"
        known = {e.display_url for p in profiles for e in p.endpoints}
        for url in self._findings:
            if url not in known:  # probed before (CLI, another profile): still worth showing
                profiles.append(profile_for_url(url, name="probed", api_key=""))
        if not profiles:
            status = ("no servers configured: set OPENAI_BASE_URL, add [servers.NAME] to the config "
                      "(docs/servers.md), or press s for the simulated server")
        self._rows = {}
        for profile in profiles:
            for index in range(len(profile.endpoints)):
                row = _Row(profile, index)
                self._rows[row.key] = row
        self._set_status(status)
        self._rebuild_table()

    def _rebuild_table(self) -> None:
        table = self.query_one("#servers-table", DataTable)
        table.clear()
        for key, row in self._rows.items():
            table.add_row(*self._cells(row), key=key)
        self._show_detail()

    def _cells(self, row: _Row) -> list[Text]:
        endpoint = row.profile.endpoints[row.index]
        found = self._findings.get(row.url)
        stats = self._live_stats().get(row.url)
        constraint = "-" if found is None else (found.constraint_style or "none holds")
        logprobs = "-" if found is None or found.logprobs is None else ("yes" if found.logprobs else "no")
        health = self._health.get(row.url, "?")
        return [
            Text(one_line(row.profile.name)), Text(one_line(row.url)),
            Text(one_line(row.profile.model or (found.model if found else None) or "(first listed)")),
            Text(str(endpoint.concurrency)), Text(health, style="green" if health == "ok" else "red" if health != "?" else ""),
            Text(one_line(constraint)), Text(logprobs),
            Text(str(stats.in_flight) if stats else "0"),
            Text(f"{stats.rate_per_s:.1f}" if stats else "0.0"),
            Text(f"{stats.mean_latency_s * 1000:.0f} ms" if stats and stats.mean_latency_s is not None else "-"),
            Text(str(stats.errors) if stats else "0", style="red" if stats and stats.errors else ""),
        ]

    def _live_stats(self) -> dict:
        """Counters of every client at work in this process, summed per endpoint URL."""
        merged: dict = {}
        for pool in active_pools():
            for stats in pool.stats():
                if stats.url in merged:
                    old = merged[stats.url]
                    old.in_flight += stats.in_flight
                    old.rate_per_s += stats.rate_per_s
                    old.errors += stats.errors
                else:
                    merged[stats.url] = stats
        return merged

    def _refresh_counters(self) -> None:
        table = self.query_one("#servers-table", DataTable)
        for key, row in self._rows.items():
            cells = self._cells(row)
            for column_key, cell in zip(list(table.columns)[-4:], cells[-4:]):
                try:
                    table.update_cell(key, column_key, cell)
                except Exception:
                    return  # the table is being rebuilt

    def _selected(self) -> _Row | None:
        table = self.query_one("#servers-table", DataTable)
        if not self._rows or table.cursor_row < 0:
            return None
        try:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        except Exception:
            return None
        return self._rows.get(key)

    def _show_detail(self) -> None:
        row = self._selected()
        detail = self.query_one("#servers-detail", Static)
        if row is None:
            detail.update(Text("Select an endpoint. p probes it (what it really supports), h checks health."))
            return
        lines = [row.profile.describe()]
        found = self._findings.get(row.url)
        lines += found.summary_lines() if found else ["not probed yet: press p"]
        stats = self._live_stats().get(row.url)
        if stats and stats.last_error:
            lines.append(f"last error: {stats.last_error}")
        detail.update(Text("\n".join(visible(line) for line in lines)))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    # --- actions (network work in workers) -----------------------------------------------------
    def action_probe(self) -> None:
        row = self._selected()
        if row is None:
            self.notify("no endpoint selected", severity="warning")
            return
        self._set_status(f"probing {row.url} ...")
        self._probe(row)

    @work(thread=True, exclusive=True, exit_on_error=False, group="servers-probe")
    def _probe(self, row: _Row) -> None:
        from valuegap_tui.evaluate.questions import sample_question  # in the worker: not on the screen's start

        endpoint = row.profile.endpoints[row.index]
        try:
            found = asyncio.run(probe_endpoint(endpoint, row.profile, question=sample_question()))
            save_probe(self.app.study, found)
        except Exception as exc:
            self.app.call_from_thread(self._set_status, f"probe of {row.url} failed: {exc}")
            return
        self.app.call_from_thread(self._probe_done, row, found)

    def _probe_done(self, row: _Row, found: ProbeFindings) -> None:
        self._findings[row.url] = found
        self._health[row.url] = "ok" if found.usable else ("not usable" if found.healthy else "down")
        problems = "; ".join(found.problems)
        self._set_status(f"probed {row.url}: answer modes {', '.join(found.answer_modes)} (stored in the study)"
                         + (f"; PROBLEM: {problems}" if problems else ""))
        self._rebuild_table()

    def action_health(self) -> None:
        self._set_status("checking health ...")
        self._check_health(list(self._rows.values()))

    @work(thread=True, exclusive=True, exit_on_error=False, group="servers-health")
    def _check_health(self, rows: list[_Row]) -> None:
        async def check_all():
            return await asyncio.gather(*(check_health(r.profile.endpoints[r.index], timeout_s=3.0) for r in rows))

        results = asyncio.run(check_all())
        health = {r.url: ("ok" if ok else (error or f"HTTP {status}")) for r, (ok, status, error) in zip(rows, results)}
        self.app.call_from_thread(self._health_done, health)

    def _health_done(self, health: dict[str, str]) -> None:
        self._health.update({url: ("ok" if v == "ok" else "down") for url, v in health.items()})
        down = [f"{url}: {v}" for url, v in health.items() if v != "ok"]
        self._set_status("all endpoints healthy" if not down else "not ready: " + "; ".join(down))
        self._rebuild_table()

    def action_simulator(self) -> None:
        if self._simulator is not None:
            self.notify("the simulated server is already running")
            return
        starter = _simulator_starter()
        if starter is None:
            self.notify("the simulated server is not available in this installation", severity="warning")
            return
        self._start_simulator(starter)

    @work(thread=True, exclusive=True, exit_on_error=False, group="servers-simulator")
    def _start_simulator(self, starter) -> None:
        try:
            handle, stop = starter(self.app.study.path)
        except Exception as exc:
            self.app.call_from_thread(self._set_status, f"could not start the simulated server: {exc}")
            return
        self.app.call_from_thread(self._simulator_started, handle, stop)

    def _simulator_started(self, handle, stop) -> None:
        self._simulator = stop
        base_url = handle.base_url
        from valuegap_tui.tui.simulator_in_use import SimulatorInUse

        self.app.simulator = SimulatorInUse(base_url, handle.params.model_name)
        self._extra_profiles.append(profile_for_url(base_url, name="SIMULATED", api_key=""))
        self.action_reload()
        self._set_status(f"SIMULATED server running at {base_url} (answers come from a planted model, "
                         "not a language model); p probes it")

    def on_unmount(self) -> None:
        if self._simulator is not None:
            self._simulator()
            self._simulator = None
            self.app.simulator = None
