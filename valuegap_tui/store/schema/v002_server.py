"""What the probe found on each server: kept with the study, since results depend on it."""


def apply(db) -> None:
    # findings_json is ProbeFindings.to_dict(); URLs are stored without credentials and keys never are.
    db.execute(
        """CREATE TABLE server_probes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            profile TEXT,
            base_url TEXT NOT NULL,
            model TEXT,
            healthy INTEGER NOT NULL,
            constraint_style TEXT,
            probed_at TEXT NOT NULL,
            findings_json TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX server_probes_url ON server_probes (base_url, id)")
