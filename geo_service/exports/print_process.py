"""The whole print in a child process (issue 21): a request-serving worker neither gathers, builds nor draws one.

:func:`print_in_child` forks a child from a ``multiprocessing`` fork server that has imported the print modules
once (see :mod:`.raster` for why and how the child runs at low priority); the child resolves the scope, gathers the
data, builds the sheets and writes the file into a folder the parent made, then exits.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path

from geo_service.db.pool import Database
from geo_service.errors import InvalidParameter, NotFound
from geo_service.exports.print_forkserver import run_in_child
from geo_service.exports.raster import CHILD_NICENESS, RENDER_TIMEOUT_S, RenderFailed, save_figures
from geo_service.scope import resolve_scope

log = logging.getLogger(__name__)


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
        code = run_in_child(_child, (str(workdir / "job.json"), database_url), timeout_s)
        if code is None:
            raise RenderFailed(f"the print took longer than {timeout_s:.0f} s")
        answer, failure = workdir / "answer.json", workdir / "failure.txt"
        if code != 0 or not answer.exists():
            why = failure.read_text() if failure.exists() else f"exit code {code}"
            log.error("print process failed: %s", why[-2000:])
            raise RenderFailed(f"the print could not be made ({why.strip().splitlines()[-1]})")
        said = json.loads(answer.read_text())
        if "refused" in said:  # the service's own refusal (404/400), made in the child: the same error here
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
    # Imported here, not at the top: the fork server has it preloaded (``PRELOAD``), so the child pays nothing,
    # and a web worker that only hands prints to children never imports matplotlib (about a second of CPU at
    # every worker's start).
    from geo_service.exports import print_map

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
        save_figures(sheets, out / filename, job.fmt, job.dpi, print_map.metadata(scope, job.fmt))
    finally:
        db.close()
    answer = {"path": str(out / filename), "filename": filename, "data_line": scope.data_line()}
    (out / "answer.json").write_text(json.dumps(answer))
