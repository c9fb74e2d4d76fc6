"""Storage: the only package that speaks SQL (tests/test_store_only_sql.py scans every other module).

``Study`` is one open study database; each area keeps its tables and queries in its own module
here (``store.dilemmas`` ...) and its schema in ``store/schema/vNNN_*.py``.
"""

from valuegap_tui.store.db import Study, now_iso, open_study
from valuegap_tui.store.failures import DatabaseError, StudyError, describe_sqlite_error

__all__ = ["DatabaseError", "Study", "StudyError", "describe_sqlite_error", "now_iso", "open_study"]
