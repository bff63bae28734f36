"""Exports service: validate parameters, resolve the one scope, build the file. Called by the API and the CLI.

Each export or print resolves ONE :class:`geo_service.scope.Scope` (``resolve_scope``: the scenario's date,
dataset and extracts; the boundary set asked for, else the scenario's default in force on its ``as_of``, of
the same dataset) and hands it to the layer builders. The finished :class:`ExportFile` carries the
scope's data line (``Scope.data_line()``), which the API sends as the ``X-Data-Scope`` header.
"""

from __future__ import annotations

from geo_service import caching
from geo_service.exports import formats
from geo_service.exports.print_jobs import PrintJobs
from geo_service.exports.print_process import PrintJob, print_in_child
from geo_service.exports.print_queue import PrintQueue
from geo_service.exports.print_store import KeptPrints
from geo_service.exports.vector import ExportFile, write_export
from geo_service.scope import Scope, resolve_scope


def export_vector(
    conn,
    scenario: str,
    format: str | None,
    layer: str | None = None,
    area: str | None = None,
    boundary_set: str | None = None,
    crs: str | int | None = None,
) -> ExportFile:
    """A vector export of a scenario (optionally one area) as a file in a temporary folder.

    Parameters are checked before any query runs: a bad one raises ``InvalidParameter`` (400);
    an unknown scenario, boundary set or area raises ``NotFound`` (404).
    """
    fmt = formats.parse_format(format)
    srid = formats.parse_crs(crs, fmt)
    layers = formats.parse_layers(layer, fmt)
    scope = resolve_scope(conn, scenario, boundary_set=boundary_set, area=area)
    return write_export(conn, scope, fmt, layers, srid)


def print_map(
    conn,
    scenario: str,
    kind: str,
    code: str,
    format: str | None = "png",
    paper: str | None = None,
    orientation: str | None = None,
    dpi: str | int | None = None,
    boundary_set: str | None = None,
    basemap: tuple[str, str] | None = None,
) -> ExportFile:
    """A print-ready map (PNG or PDF) of one area (``kind='area'``) or one network (``kind='network'``).

    ``basemap`` (tile URL template, attribution) is optional and only drawn when contextily is
    installed and the tiles load; the map never depends on it.
    """
    from geo_service.exports.print_map import render

    job = _print_job(scenario, kind, code, format, paper, orientation, dpi, boundary_set, basemap)
    scope = _print_scope(conn, job)
    return render(conn, scope, job.fmt, job.paper, job.orientation, job.dpi, basemap=basemap)


def _print_job(scenario, kind, code, format, paper, orientation, dpi, boundary_set, basemap) -> PrintJob:
    """The print's parameters, checked (400 naming the parameter) before any query runs."""
    if kind not in ("area", "network"):  # pragma: no cover - routes and CLI only pass these two
        raise ValueError(f"unknown map kind {kind!r}")
    return PrintJob(
        scenario=scenario,
        kind=kind,
        code=code,
        fmt=formats.parse_print_format(format),
        paper=formats.parse_paper(paper),
        orientation=formats.parse_orientation(orientation),
        dpi=formats.parse_dpi(dpi),
        boundary_set=boundary_set,
        basemap=basemap,
    )


def _print_scope(conn, job: PrintJob) -> Scope:
    where = {"area": job.code} if job.kind == "area" else {"network": job.code}
    return resolve_scope(conn, job.scenario, boundary_set=job.boundary_set, **where)


def print_map_kept(
    db,
    database_url: str,
    queue: PrintQueue,
    store: KeptPrints,
    scenario: str,
    kind: str,
    code: str,
    format: str | None = "png",
    paper: str | None = None,
    orientation: str | None = None,
    dpi: str | int | None = None,
    boundary_set: str | None = None,
    basemap: tuple[str, str] | None = None,
    statement_timeout_ms: int = 15_000,
    jobs: PrintJobs | None = None,
) -> tuple[ExportFile, bool]:
    """A print for a web request: ``(file, kept)``, ``kept`` True when it is the copy kept for the scenario's
    current data version. Otherwise the print is made in a child process (:func:`.print_process.print_in_child`) once
    ``queue`` grants a slot (or :class:`.print_queue.PrintQueueFull`, a 503), and kept in ``store``.

    With ``jobs`` (and keeping on) the making runs in the background and the caller waits only ``jobs.answer_s``:
    :class:`.print_jobs.PrintNotReady` when the print is still being made (the web answers 202, the browser comes
    back for the kept copy). Without, the caller waits for the whole making (the CLI; keeping off).

    ``db`` (the pool) lends a connection only to check the parameters and read the data version: no
    connection is held while the print is made."""
    job = _print_job(scenario, kind, code, format, paper, orientation, dpi, boundary_set, basemap)
    with db.connection() as conn:
        # Issue 21: a print asked for again while no data changed (a browser coming back for it; a flood of the
        # same few) takes its key from memory, not from resolving the scope again (tens of ms of queries).
        version = caching.data_state(conn) if jobs is not None else None
        key = jobs.known_key(version, job) if jobs is not None else None
        if key is None:
            # A print this process has not met while its queue is full: 503 before resolving the scope, so a flood
            # of different prints costs a few milliseconds each (asked again after Retry-After, it is resolved).
            queue.refuse_if_full()
            scope = _print_scope(conn, job)  # 404 / 400 here, before any queueing
            state = caching.scope_state(conn, scope)
            subject = scope.area["code"] if scope.area is not None else scope.network["code"]
            key = store.key(state, {"boundary_set": scope.boundary_set["id"], "kind": kind, "code": subject,
                                    "fmt": job.fmt, "paper": job.paper, "orientation": job.orientation,
                                    "dpi": job.dpi, "basemap": list(basemap) if basemap else None})  # fmt: skip
            if jobs is not None:
                jobs.remember_key(version, job, key)

    def make() -> ExportFile:
        copy = store.get(key)  # finished by another worker just before this one took the claim
        if copy is not None:
            return copy
        with queue.slot():
            printed, workdir = print_in_child(database_url, job, statement_timeout_ms)
        media_type = formats.PRINT_MEDIA_TYPES[job.fmt]
        export = ExportFile(printed.path, printed.filename, media_type, workdir, printed.data_line)
        store.put(key, export)
        return export

    if jobs is not None and store.max_bytes > 0:
        return jobs.get_or_make(key, lambda: store.get(key), make)
    kept = store.get(key)
    if kept is not None:
        return kept, True
    with queue.slot():
        kept = store.get(key)  # made by another request while this one waited for its slot
        if kept is not None:
            return kept, True
        printed, workdir = print_in_child(database_url, job, statement_timeout_ms)
    export = ExportFile(printed.path, printed.filename, formats.PRINT_MEDIA_TYPES[job.fmt], workdir, printed.data_line)
    store.put(key, export)
    return export, False
