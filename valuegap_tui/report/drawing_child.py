"""Drawing a report's figures from kept results in a child forked before pyplot is imported.

A report of kept results reads them in about 0.05 s, then writes its tables; before its figures can be
drawn, pyplot and the PDF backend must be imported (about 0.3 s of CPU at idle), which used to happen in
the report's process, one core working and the other idle. The child imports them on that idle core while
the report reads the kept results, writes its tables and looks for kept figures; it is then sent the
results (pickled: about 0.8 MB and 0.01 s at a million answers) and draws them exactly as
``drawing.draw_figures`` does in the report's process (its own forked workers, heaviest figure first),
sending back the files' paths. The report keeps the figures and writes its summary as before.

The child is started only where the drawing workers would be forked anyway (``drawing.early_possible``:
fork, matplotlib, several cores, no other thread), pyplot is not imported yet and the figures are not kept
(looked up first: a child started and stopped unused cost a report whose figures are kept about 0.2 s of
CPU); a report that fails stops it before it has drawn anything.
"""

from __future__ import annotations

import multiprocessing
import pickle
import sys
from pathlib import Path

from valuegap_tui.report.figure_formats import FORMATS


class DrawingChild:
    """A forked child importing pyplot and the backends of ``formats``, then drawing what ``draw`` sends."""

    def __init__(self, formats: tuple[str, ...] = FORMATS):
        context = multiprocessing.get_context("fork")
        self._ours, theirs = context.Pipe()
        self.formats = tuple(formats)
        # not a daemon: a daemon may not fork the drawing workers
        self.process = context.Process(target=_child, args=(theirs, self._ours, self.formats),
                                       name="report-figures")
        self.process.start()
        theirs.close()
        self.used = False  # whether it drew (or began to)
        self.stopped = False

    def draw(self, results, out_dir: Path, title: str, per_condition: dict,
             workers: int | None) -> tuple[list[Path], dict[str, list[Path]]] | None:
        """The figures drawn by the child, as ``drawing.draw_figures`` returns them; raises what drawing
        raised there; None where the child is gone (the caller draws them itself)."""
        self.used = True
        try:
            self._ours.send_bytes(pickle.dumps((results, per_condition, Path(out_dir), title, workers),
                                               protocol=pickle.HIGHEST_PROTOCOL))
            outcome = self._ours.recv()
        except (EOFError, OSError):
            outcome = None
        finally:
            self.stop()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def stop(self) -> None:
        """End the child: at once where it has drawn nothing (it may be importing still), else once done."""
        if self.stopped:
            return
        self.stopped = True
        if not self.used:
            self.process.kill()
        self.process.join()
        self._ours.close()
        self.process.close()


def start(formats: tuple[str, ...] = FORMATS, workers: int | None = None, kept=None, title: str = "",
          per_condition: dict | None = None) -> DrawingChild | None:
    """A ``DrawingChild`` where it can help (see the module's docstring), else None: none where ``kept``
    (a ``report.kept_figures.KeptFigures``) has the figures drawn with ``title`` and ``per_condition``
    as ``formats``, which are copied instead."""
    from valuegap_tui.report.drawing import early_possible

    if "matplotlib.pyplot" in sys.modules or not early_possible(workers):
        return None
    if kept is not None and kept.stored(kept.options_for(title, per_condition or {}, formats)):
        return None
    return DrawingChild(formats)


def _child(conn, parents_end, formats: tuple[str, ...]) -> None:
    parents_end.close()  # the report's end: the child sees the report gone as the pipe's end
    try:
        from valuegap_tui.report.figure_files import import_backends

        import_backends(formats)
    except Exception:  # noqa: BLE001 - drawing imports them again, and says what is wrong
        pass
    try:
        given = pickle.loads(conn.recv_bytes())
    except (EOFError, OSError):
        return
    results, per_condition, out_dir, title, workers = given
    try:
        from valuegap_tui.report.drawing import draw_figures

        outcome = draw_figures(results, out_dir, title, per_condition, None, workers, formats=formats)
    except Exception as exc:  # noqa: BLE001 - raised again in the report's process
        outcome = exc
    try:
        conn.send(outcome)
    except Exception:  # noqa: BLE001 - an error that cannot be pickled: its text
        conn.send(RuntimeError(f"{type(outcome).__name__}: {outcome}"))
