"""Probe findings per server (table server_probes); the newest per URL is what counts."""

from __future__ import annotations

import json

from valuegap_tui.server.probe import ProbeFindings
from valuegap_tui.server.profiles import ServerProfile
from valuegap_tui.urls import strip_credentials
from valuegap_tui.store.db import Study, now_iso


def save_probe(study: Study, findings: ProbeFindings) -> int:
    data = findings.to_dict()
    data["base_url"] = strip_credentials(findings.base_url)
    with study.transaction() as db:
        cursor = db.execute(
            "INSERT INTO server_probes (profile, base_url, model, healthy, constraint_style, probed_at, findings_json)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [findings.profile, data["base_url"], findings.model, int(findings.healthy), findings.constraint_style,
             now_iso(), json.dumps(data, sort_keys=True)],
        )
        return int(cursor.lastrowid)


def latest_probes(study: Study) -> list[ProbeFindings]:
    """The newest findings for each server URL, newest first."""
    rows = study.db.execute(
        "SELECT findings_json FROM server_probes WHERE id IN (SELECT MAX(id) FROM server_probes GROUP BY base_url)"
        " ORDER BY id DESC"
    ).fetchall()
    return [ProbeFindings.from_dict(json.loads(row[0])) for row in rows]


def latest_probe(study: Study, base_url: str) -> ProbeFindings | None:
    row = study.db.execute(
        "SELECT findings_json FROM server_probes WHERE base_url = ? ORDER BY id DESC LIMIT 1", [strip_credentials(base_url)]
    ).fetchone()
    return ProbeFindings.from_dict(json.loads(row[0])) if row else None


def constraint_style_for(study: Study, base_url: str) -> str | None:
    """The constraint style the last probe of this server found to hold (None: unknown or none holds)."""
    findings = latest_probe(study, base_url)
    return findings.constraint_style if findings else None


def probed_constraint(study: Study, profile: ServerProfile) -> str | None:
    """How to send choices to this profile's server: the style the study's last probe of its first
    endpoint found to hold, where the profile leaves it to probing ("auto"); else None (the profile's own)."""
    if profile.constraint != "auto":
        return None
    return constraint_style_for(study, profile.endpoints[0].url)
