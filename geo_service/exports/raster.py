"""Draw a print's finished Figure to PNG/PDF in a child process, so a worker never holds the raster's memory.

An A3 600 dpi PNG is a 9921 × 7016 pixel canvas: over a gigabyte while Agg draws and the PNG is encoded,
and the allocator keeps most of it after the render. The request builds the Figure (vector artists, data
from its own transaction), pickles it into the print's temporary folder, and one child process per print
(``python -m geo_service.exports.raster``: only matplotlib is imported, about half a second) draws it,
writes the file and exits, giving all its memory back. The parent waits in ``subprocess`` without holding
the GIL, so the worker's other threads keep answering.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

RENDER_TIMEOUT_S = 120.0


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
    try:
        done = subprocess.run(
            [sys.executable, "-m", "geo_service.exports.raster", str(job)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderFailed(f"the print took longer than {timeout_s:.0f} s") from exc
    finally:
        job.unlink(missing_ok=True)
    if done.returncode != 0 or not Path(path).exists():
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        log.error("print drawing process failed: %s", done.stderr.strip()[-2000:])
        raise RenderFailed(f"the print could not be drawn ({reason})")


def _main(job_path: str) -> None:
    """The child: load the pickled Figure and save it. Only the Agg backend and the figure's classes load."""
    import matplotlib

    matplotlib.use("Agg")
    with open(job_path, "rb") as f:
        job = pickle.load(f)  # noqa: S301 - written by our own parent process, in its private temp folder
    figures = job.get("figures") or [job["figure"]]
    if job["format"] == "pdf" and len(figures) > 1:
        from matplotlib.backends.backend_pdf import PdfPages

        with PdfPages(job["path"], metadata=job["metadata"]) as pdf:
            for fig in figures:
                pdf.savefig(fig, dpi=job["dpi"])
        return
    figures[0].savefig(job["path"], format=job["format"], dpi=job["dpi"], metadata=job["metadata"])


if __name__ == "__main__":
    _main(sys.argv[1])
