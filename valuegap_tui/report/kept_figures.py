"""A report's figures kept beside the results they were drawn from, so a report of the same results with
the same figure options copies its figures instead of drawing them again (drawing is most of a report's
time at a large run: seven figures, each as PNG and PDF, and SVG when asked).

The figures are kept in the results cache (store/results_cache.py), under the same answers' state as the
results: a new answer, a retry or a new respondent drops them with the results. Their key is a hash of
everything a figure is drawn from: the results' text (metrics/results_record.py, every table and number),
the title, the answer choices per condition, the formats asked for (report/figure_formats.py),
valuegap's and matplotlib's versions and matplotlib's settings (rcParams, a person's matplotlibrc included). Any change to one of them draws the figures anew.
The files are kept as bytes (base64 in JSON text) and written back with the names they were drawn under.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from valuegap_tui.report.figure_formats import FORMATS, suffixes
from valuegap_tui.store import DatabaseError, StudyError
from valuegap_tui.store import results_cache

#: bump when the figures are drawn differently in a way valuegap's version does not say
FIGURES_FORMAT = 2  # 2: a single respondent without the side-by-side figures; bars as collections
#: the results' stage the figures are drawn from, and kept under
STAGE = "intervals"
#: between the results' options and the figures' key in the options the figures are kept under
MARK = "|figures|"
#: the files one figure can be written as (report/figure_formats.py FORMATS)
SUFFIXES = suffixes(FORMATS)


def _plain(value):
    if isinstance(value, (np.generic, np.ndarray)):  # a number or an array as Python's (tolist)
        return value.tolist()
    raise TypeError(f"cannot key figures on a {type(value).__name__}")


def figures_key(results_text: str, title: str, per_condition: dict, formats: tuple[str, ...] = FORMATS) -> str:
    """A hash of what the figures are drawn from (see the module's docstring)."""
    import matplotlib

    from valuegap_tui import __version__

    # the backend is left out (and never read: reading it imports pyplot): figures are always drawn with Agg
    settings = repr([(name, repr(matplotlib.rcParams[name])) for name in sorted(matplotlib.rcParams)
                     if not name.startswith("backend")])
    head = json.dumps([FIGURES_FORMAT, __version__, matplotlib.__version__, title, per_condition],
                      default=_plain)
    if tuple(formats) != FORMATS:  # every format: the key as before formats could be chosen
        head += json.dumps(list(formats))
    digest = hashlib.sha256()
    for part in (head, settings, results_text):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _own_name(name: str) -> bool:
    """A kept file's name is a bare figure file name: nothing read from a study writes outside the folder."""
    return isinstance(name, str) and name == Path(name).name and name not in ("", ".", "..") \
        and Path(name).suffix in SUFFIXES


@dataclass(frozen=True)
class KeptFigures:
    """The figures of one run's results: ``options`` and ``state`` as the results are kept under
    (report/kept.py), ``results_text`` the results as kept text."""

    study: object
    run_id: int
    options: str
    state: str
    results_text: str

    def options_for(self, title: str, per_condition: dict, formats: tuple[str, ...] = FORMATS) -> str:
        """The cache's options for the figures of these results drawn with ``title`` and ``per_condition``
        as ``formats``: taken once, before drawing (drawing imports pyplot, which changes matplotlib's
        settings)."""
        return f"{self.options}{MARK}{figures_key(self.results_text, title, per_condition, formats)}"

    def restore(self, options: str, out_dir: Path,
                formats: tuple[str, ...] = FORMATS) -> tuple[list[Path], dict[str, list[Path]]] | None:
        """Write the figures kept under ``options`` (``options_for``, with ``formats``) into ``out_dir`` and
        return them as ``drawing.draw_figures`` does; None when none are kept (or what is kept cannot be
        read, or lacks a file of ``formats``)."""
        try:
            text = results_cache.load(self.study, self.run_id, options, STAGE, self.state)
            if text is None:
                return None
            record = json.loads(text)
            files = {name: base64.b64decode(data, validate=True) for name, data in record["files"].items()}
            run_names, by_model_names = list(record["run"]), dict(record["by_model"])
        except (DatabaseError, StudyError, ValueError, KeyError, TypeError, AttributeError):
            return None
        listed = run_names + [name for names in by_model_names.values() for name in names]
        wanted = {Path(png).with_suffix(suffix).name for png in listed for suffix in suffixes(formats)}
        if not all(_own_name(name) for name in files) or not wanted <= set(files):
            return None
        out_dir = Path(out_dir)
        for name, data in files.items():
            (out_dir / name).write_bytes(data)
        return ([out_dir / name for name in run_names],
                {model: [out_dir / name for name in names] for model, names in by_model_names.items()})

    def keep(self, options: str, run_figures: list[Path], by_model: dict[str, list[Path]],
             formats: tuple[str, ...] = FORMATS) -> bool:
        """Keep the figures just drawn as ``formats`` under ``options``, in place of any kept for the same
        results' options before (another title, other settings, other formats); False where the study
        cannot be written."""
        results_cache.forget_options(self.study, f"{self.options}{MARK}", self.run_id)
        pngs = [*run_figures, *(png for pngs in by_model.values() for png in pngs)]
        files = {png.with_suffix(suffix).name: base64.b64encode(png.with_suffix(suffix).read_bytes()).decode("ascii")
                 for png in pngs for suffix in suffixes(formats)}
        record = {"run": [png.name for png in run_figures],
                  "by_model": {model: [png.name for png in pngs] for model, pngs in by_model.items()}, "files": files}
        return results_cache.save(self.study, self.run_id, options, STAGE, self.state, json.dumps(record))


def forget_figures(study) -> None:
    """Drop every kept figure of the study, leaving the kept results (a bench times drawing them)."""
    results_cache.forget_options(study, MARK)
