"""Noticing that a study changed: cheap enough to ask every second from a screen.

SQLite's ``PRAGMA data_version`` changes whenever another connection commits (another process, or
another thread of this one: every thread has its own connection). The connection's own commits
do not change it, so its ``total_changes`` counter is part of the fingerprint too. Both are read
without touching any table.
"""

from __future__ import annotations

from valuegap_tui.store.db import Study


class ChangeWatch:
    """Answers "did anything commit to the study since I last asked?".

    Ask from one thread only: the fingerprint belongs to that thread's connection.
    """

    def __init__(self, study: Study):
        self.study = study
        self._seen = self._fingerprint()

    def _fingerprint(self) -> tuple[int, int]:
        conn = self.study.db.conn
        return conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes

    def changed(self) -> bool:
        now = self._fingerprint()
        if now == self._seen:
            return False
        self._seen = now
        return True


def dilemmas_fingerprint(study: Study) -> tuple:
    """What the review screens show, in one number each: dilemmas, their last change, label checks
    and blind labels. Equal fingerprints mean nothing a reviewer sees has changed."""
    row = study.db.execute(
        "SELECT (SELECT COUNT(*) FROM dilemmas), (SELECT MAX(id) FROM dilemma_history),"
        " (SELECT MAX(id) FROM label_checks), (SELECT COUNT(*) FROM reviewer_labels),"
        " (SELECT MAX(at) FROM reviewer_labels)"
    ).fetchone()
    return tuple(row)
