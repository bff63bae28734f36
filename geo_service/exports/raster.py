"""Prints in child processes, so a request-serving worker neither builds nor draws one.

Issue 21: a print is seconds of CPU (fetching its layers, building the matplotlib Figure, placing labels) and, at A3
600 dpi, over a gigabyte while Agg draws. Built inside a gunicorn worker, that CPU and the GIL were taken from the
worker's other threads: readers' p99 rose to 1.85-4.5 s while prints ran. Now :func:`.print_process.print_in_child`
runs the whole print in a child process forked from a ``multiprocessing`` fork server that has imported the print
modules once: a child at low CPU priority (``nice`` 10, so readers come first on a busy machine) with its own
database connection; it writes the file into a folder the parent made and exits, giving all its memory back. The
parent waits on the child's sentinel without the GIL, so its other threads keep answering; how many children run at
once is bounded by :mod:`.print_queue`. As with any ``multiprocessing`` fork server, the fork server imports the
parent's ``__main__`` module (gunicorn's, pytest's, the ``geo-service`` script's: all guard their entry point); a
hand-written script that asks for prints (web or :func:`save_in_child`) needs an ``if __name__ == "__main__":`` guard.

:func:`save_in_child` is the older half of the same idea, for a caller that builds the Figure itself (the CLI): the
Figure is pickled into the print's temporary folder and one child, forked from the same fork server (so it does not
pay Python's start and matplotlib's import for each print), draws it and writes the file.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import traceback
from pathlib import Path

log = logging.getLogger(__name__)

RENDER_TIMEOUT_S = 120.0
CHILD_NICENESS = 10  # readers before prints when the CPUs are busy


class RenderFailed(RuntimeError):
    """The child process could not draw the sheet (the message says why)."""


def _picklable(fig) -> None:
    """Give artists of classes defined inside a function (geopandas' ``_GeoPandasPolyCollection``, a
    behaviour-free PatchCollection subclass made to pick a legend handler) their nearest importable base
    class, so the Figure pickles. The legend is already built from explicit handles."""
    for ax in fig.axes:
        for artist in ax.get_children():
            cls = type(artist)
            if "<locals>" in cls.__qualname__:
                artist.__class__ = next(b for b in cls.__mro__[1:] if "<locals>" not in b.__qualname__)


def save_in_child(fig, path: Path, fmt: str, dpi: int, metadata: dict, timeout_s: float = RENDER_TIMEOUT_S) -> None:
    """``fig.savefig(path, ...)`` in a child process; raises :class:`RenderFailed` when it fails or overruns.

    ``fig`` may be a list of Figures: a PDF gets one page each (issue 11: the network list continues on further
    pages); other formats take the first."""
    figures = list(fig) if isinstance(fig, (list, tuple)) else [fig]
    if fmt != "pdf":
        figures = figures[:1]
    for one in figures:
        _picklable(one)
    job = Path(path).with_name(Path(path).name + ".figure.pickle")
    with open(job, "wb") as f:
        pickle.dump(
            {"figures": figures, "path": str(path), "format": fmt, "dpi": dpi, "metadata": metadata},
            f,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    failure = job.with_name(job.name + ".failure")
    try:
        from geo_service.exports.print_forkserver import run_in_child

        code = run_in_child(_draw_in_child, (str(job), str(failure)), timeout_s)
        if code is None:
            raise RenderFailed(f"the print took longer than {timeout_s:.0f} s")
        if code != 0 or not Path(path).exists():
            why = failure.read_text() if failure.exists() else ""
            reason = (why.strip().splitlines() or [f"exit code {code}"])[-1]
            log.error("print drawing process failed: %s", why.strip()[-2000:] or f"exit code {code}")
            raise RenderFailed(f"the print could not be drawn ({reason})")
    finally:
        job.unlink(missing_ok=True)
        failure.unlink(missing_ok=True)


def save_figures(figures, path: Path, fmt: str, dpi: int, metadata: dict) -> None:
    if fmt == "pdf" and len(figures) > 1:
        from matplotlib.backends.backend_pdf import PdfPages

        with PdfPages(path, metadata=metadata) as pdf:
            for fig in figures:
                pdf.savefig(fig, dpi=dpi)
        return
    figures[0].savefig(path, format=fmt, dpi=dpi, metadata=metadata)


def _draw_in_child(job_path: str, failure_path: str) -> None:
    """The child of :func:`save_in_child` (forked from the print fork server): low priority, then
    :func:`_main`; a failure's traceback is left beside the job for the parent to report."""
    os.nice(CHILD_NICENESS)
    try:
        _main(job_path)
    except BaseException:
        Path(failure_path).write_text(traceback.format_exc())
        raise


def _main(job_path: str) -> None:
    """Load the pickled Figure and save it (in the child of :func:`save_in_child`, or run by hand as
    ``python -m geo_service.exports.raster <job>``)."""
    import matplotlib

    matplotlib.use("Agg")
    with open(job_path, "rb") as f:
        job = pickle.load(f)  # noqa: S301 - written by our own parent process, in its private temp folder
    figures = job.get("figures") or [job["figure"]]
    save_figures(figures, Path(job["path"]), job["format"], job["dpi"], job["metadata"])


if __name__ == "__main__":
    os.nice(CHILD_NICENESS)
    _main(sys.argv[1])
