"""Prints in child processes, so a request-serving worker neither builds nor draws one.

Issue 21: a print is seconds of CPU (fetching its layers, building the matplotlib Figure, placing labels) and, at
A3 600 dpi, over a gigabyte while Agg draws. Built inside a gunicorn worker, that CPU and the GIL were taken from
the worker's other threads: readers' p99 rose to 1.85-4.5 s while prints ran. Now :func:`print_in_child` runs the
whole print in a child process forked from a ``multiprocessing`` fork server that has imported the print modules
once: a child at low CPU priority (``nice`` 10, so readers come first on a busy machine) with its own database
connection; it writes the file into a folder the parent made and exits, giving all its memory back. The parent
waits on the child's sentinel without the GIL, so its other threads keep answering; how many children run at
once is bounded by :mod:`.print_queue`. As with any ``multiprocessing`` fork server, the fork server imports the
parent's ``__main__`` module (gunicorn's, pytest's, the ``geo-service`` script's: all guard their entry point);
a hand-written script that asks for web prints needs an ``if __name__ == "__main__":`` guard.

:func:`save_in_child` is the older half of the same idea, for a caller that builds the Figure itself (the CLI):
the Figure is pickled into the print's temporary folder and one child draws it and writes the file.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import traceback
from dataclasses import asdict, dataclass
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


@dataclass(frozen=True)
class PrintJob:
    """What to print: the parsed parameters of a print request (already checked by the service)."""

    scenario: str
    kind: str  # "area" | "network"
    code: str
    fmt: str
    paper: str
    orientation: str
    dpi: int
    boundary_set: str | None = None
    basemap: tuple[str, str] | None = None


@dataclass(frozen=True)
class PrintedFile:
    """The child's answer: the file it wrote (inside the parent's folder), its name and the scope's data line."""

    path: Path
    filename: str
    data_line: str


_FORKSERVER = None
_FORKSERVER_LOCK = threading.Lock()
PRELOAD = ["geo_service.exports.print_map", "geo_service.db.pool", "geo_service.scope"]


def _context():
    """A ``forkserver`` context whose server has imported the print modules once: each print is a fresh fork of
    it (a new process, its memory given back at exit) without paying geopandas' and matplotlib's imports again.
    The server is a new interpreter (not a fork of a threaded web worker)."""
    global _FORKSERVER
    with _FORKSERVER_LOCK:
        if _FORKSERVER is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _FORKSERVER = ctx
        return _FORKSERVER


def print_in_child(
    database_url: str, job: PrintJob, statement_timeout_ms: int = 15_000, timeout_s: float = RENDER_TIMEOUT_S
) -> tuple[PrintedFile, Path]:
    """Run the whole print of ``job`` in a child process; returns the file and the folder that holds it (the
    caller removes the folder). Raises :class:`RenderFailed` when the child fails or overruns (it is killed);
    a NotFound or InvalidParameter of the child's is raised again here with its message."""
    workdir = Path(tempfile.mkdtemp(prefix="geo-print-"))  # mode 0700
    spec = {"job": asdict(job), "statement_timeout_ms": statement_timeout_ms, "out": str(workdir)}
    (workdir / "job.json").write_text(json.dumps(spec))
    try:
        # The database URL travels over the fork server's pipe: on no command line and in no file.
        child = _context().Process(target=_child, args=(str(workdir / "job.json"), database_url), daemon=True)
        child.start()
        child.join(timeout_s)  # waits on the child's sentinel, without the GIL
        if child.is_alive():
            child.kill()
            child.join(5)
            raise RenderFailed(f"the print took longer than {timeout_s:.0f} s")
        answer, failure = workdir / "answer.json", workdir / "failure.txt"
        if child.exitcode != 0 or not answer.exists():
            why = failure.read_text() if failure.exists() else f"exit code {child.exitcode}"
            log.error("print process failed: %s", why[-2000:])
            raise RenderFailed(f"the print could not be made ({why.strip().splitlines()[-1]})")
        said = json.loads(answer.read_text())
        if "refused" in said:  # the service's own refusal (404/400), made in the child: the same error here
            from geo_service.errors import InvalidParameter, NotFound

            no = said["refused"]
            if no["class"] == "InvalidParameter":
                raise InvalidParameter(no["extra"].get("parameter"), no["detail"], no["extra"].get("allowed"))
            raise NotFound(no["detail"], **no["extra"])
        return PrintedFile(Path(said["path"]), said["filename"], said["data_line"]), workdir
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _child(spec_path: str, database_url: str) -> None:
    """The child's entry: low priority, then the print; a failure's traceback is left beside the job."""
    os.nice(CHILD_NICENESS)
    try:
        _print_here(spec_path, database_url)
    except BaseException:
        Path(spec_path).with_name("failure.txt").write_text(traceback.format_exc())
        raise


def _print_here(spec_path: str, database_url: str) -> None:
    """The child of :func:`print_in_child`: resolve the scope, gather, build and write the print in place."""
    from geo_service.db.pool import Database
    from geo_service.errors import InvalidParameter, NotFound
    from geo_service.exports import print_map
    from geo_service.scope import resolve_scope

    spec = json.loads(Path(spec_path).read_text())
    job = PrintJob(**{**spec["job"], "basemap": tuple(spec["job"]["basemap"]) if spec["job"]["basemap"] else None})
    out = Path(spec["out"])
    db = Database(database_url, statement_timeout_ms=int(spec["statement_timeout_ms"]))
    try:
        with db.connection() as conn:
            try:
                where = {"area": job.code} if job.kind == "area" else {"network": job.code}
                scope = resolve_scope(conn, job.scenario, boundary_set=job.boundary_set, **where)
            except (NotFound, InvalidParameter) as err:
                refused = {"class": type(err).__name__, "detail": err.detail, "extra": err.extra}
                (out / "answer.json").write_text(json.dumps({"refused": refused}))
                return
            data = print_map.gather(conn, scope, written_findings=job.fmt == "pdf")
            sheets = print_map.figures(data, job.fmt, job.paper, job.orientation, job.dpi, job.basemap)
        filename = print_map.file_name(scope, job.fmt, job.paper, job.orientation)
        _save(sheets, out / filename, job.fmt, job.dpi, print_map.metadata(scope, job.fmt))
    finally:
        db.close()
    answer = {"path": str(out / filename), "filename": filename, "data_line": scope.data_line()}
    (out / "answer.json").write_text(json.dumps(answer))


def _save(figures, path: Path, fmt: str, dpi: int, metadata: dict) -> None:
    if fmt == "pdf" and len(figures) > 1:
        from matplotlib.backends.backend_pdf import PdfPages

        with PdfPages(path, metadata=metadata) as pdf:
            for fig in figures:
                pdf.savefig(fig, dpi=dpi)
        return
    figures[0].savefig(path, format=fmt, dpi=dpi, metadata=metadata)


def _main(job_path: str) -> None:
    """The child of :func:`save_in_child`: load the pickled Figure and save it. Only the Agg backend and the
    figure's classes load."""
    import matplotlib

    matplotlib.use("Agg")
    with open(job_path, "rb") as f:
        job = pickle.load(f)  # noqa: S301 - written by our own parent process, in its private temp folder
    figures = job.get("figures") or [job["figure"]]
    _save(figures, Path(job["path"]), job["format"], job["dpi"], job["metadata"])


if __name__ == "__main__":
    os.nice(CHILD_NICENESS)
    _main(sys.argv[1])
