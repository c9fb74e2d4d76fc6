"""The reading views ``answers`` and ``items`` (v022's typed views) with the way each question was
asked: a ``protocol`` column after ``design`` (v021 stores it with every item).

``point`` stays the option on its question's own scale, n - option for the design's n options: under
the abstain protocol the question shows one option more (not choosing, option n), so n is the shown
count less one there; an abstention has no score, hence no point.
"""

from valuegap_tui.store.schema import v022_typed_views as typed


def _point(choice: str, score: str) -> str:
    return (f"CASE WHEN {choice} IS NOT NULL AND {score} != 0"
            f" THEN length(i.permutation) - (i.protocol = 'abstain') - {choice} END")


def _with_protocol(columns: list[tuple[str, str, str]], choice: str, score: str) -> list[tuple[str, str, str]]:
    found = []
    for name, kind, expr in columns:
        found.append((name, kind, _point(choice, score) if name == "point" else expr))
        if name == "design":
            found.append(("protocol", "TEXT", "i.protocol"))
    return found


#: the views as they are now: view -> (column, declared type, expression) in order
VIEWS = {"answers": _with_protocol(typed.ANSWERS, "r.choice", "r.score"),
         "items": _with_protocol(typed.ITEMS, "i.choice", "i.score"),
         "dilemmas_flat": typed.DILEMMAS_FLAT}


def apply(db) -> None:
    for view in ("answers", "items"):
        typed._create(db, view, VIEWS[view])
