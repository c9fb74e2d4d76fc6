"""Storage: the only package that speaks SQL.

``Study`` is one open study database; each area keeps its tables and queries in its own module
here (``store.dilemmas`` ...) and its schema in ``store/schema/vNNN_*.py``.
"""

from valuegap_tui.store.db import Study, StudyError, now_iso, open_study

__all__ = ["Study", "StudyError", "now_iso", "open_study"]
