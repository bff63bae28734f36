"""The audit log per scenario, network and practice: HTML pages, JSON and CSV, newest first, paged (issue 12).

* ``/scenarios/<scenario>/audit`` · ``/scenarios/<scenario>/networks/<code>/audit`` · ``/practices/<code>/audit``
* ``/api/v1/audit?scenario=<slug>[&network=<code>] | ?practice=<ODS>`` (``&page=N``), ``/api/v1/audit.csv`` (all rows)
"""

from __future__ import annotations

import io
import json

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from geo_service.access import audit
from geo_service.csv_output import write_rows
from geo_service.errors import InvalidParameter, NotFound
from geo_service.web.auth import current_actor
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import hidden_scenario_ids_for_request
from geo_service.web.schemas import access as sch
from geo_service.web.schemas import common

bp = Blueprint("audit", __name__)
CSV_COLUMNS = ("id", "at", "actor_name", "request_id", "action", "resource_kind", "resource_id", "scenario_id",
               "network_id", "practice_id", "before", "after")  # fmt: skip
CSV_LIMIT = 100_000


def _target(scenario: str | None, network: str | None, practice: str | None) -> tuple[str | None, int | None, str]:
    """(filter name, id, title) for the request's filter; 404 for an unknown scenario/network/practice."""
    conn = get_conn()
    if practice:
        pid = audit.practice_id(conn, practice)
        if pid is None:
            raise NotFound(f"No practice with ODS code '{practice}'.", parameter="practice")
        return "practice", pid, f"practice {practice.upper()}"
    if network and not scenario:
        raise InvalidParameter("network", "Give 'scenario' with 'network': network codes are per scenario.")
    if scenario:
        sid = audit.scenario_id(conn, scenario)
        if sid is None:
            raise NotFound(f"No scenario with slug '{scenario}'.", parameter="scenario")
        if network:
            nid = audit.network_id(conn, sid, network)
            if nid is None:
                raise NotFound(f"No network '{network}' in scenario '{scenario}'.", parameter="network")
            return "network", nid, f"network {network} in {scenario}"
        return "scenario", sid, f"scenario {scenario}"
    return None, None, "all changes"


def _hidden_kinds() -> list[str]:
    """Issue 21: account events (sign-ins, users, roles, token labels) are for admins only."""
    return audit.hidden_kinds_for(current_actor())


def _page(raw: str) -> int:
    page = int(raw) if raw.isdigit() else 0
    if page < 1:
        raise InvalidParameter("page", f"'page' must be a whole number from 1, got '{raw}'.")
    return page


def _entry(row: dict) -> dict:
    return {**row, "at": row["at"].isoformat()}


def _listing(scenario, network, practice, raw_page: str):
    by, value, title = _target(scenario, network, practice)
    page = _page(raw_page)
    rows, total = audit.entries(get_conn(), by, value, page, hidden_scenarios=hidden_scenario_ids_for_request(),
                                hidden_kinds=_hidden_kinds())  # fmt: skip
    pages = max(1, -(-total // audit.PAGE_SIZE))
    return title, page, pages, total, [_entry(r) for r in rows]


@bp.get("/api/v1/audit")
@operation(
    tags=["audit"],
    summary="Audit log entries (scenario, network or practice), newest first, paged",
    query=sch.AuditQuery,
    responses={200: common.json_response(sch.AuditEntries), **common.problems(400, 404)},
)
def audit_json(query: dict):
    a = query
    title, page, pages, total, rows = _listing(
        a.get("scenario"), a.get("network"), a.get("practice"), a.get("page", "1")
    )
    return jsonify({"title": title, "page": page, "pages": pages, "total": total, "entries": rows})


@bp.get("/api/v1/audit.csv")
@operation(
    tags=["audit"],
    summary="Audit log as CSV (all entries of the filter, newest first)",
    query=sch.AuditQuery,
    responses={200: common.content("text/csv", binary=False), **common.problems(400, 404)},
)
def audit_csv(query: dict):
    a = query
    by, value, title = _target(a.get("scenario"), a.get("network"), a.get("practice"))
    rows, _ = audit.all_entries(get_conn(), by, value, CSV_LIMIT, hidden_scenario_ids_for_request(), _hidden_kinds())
    out = io.StringIO()
    write_rows(
        out,
        CSV_COLUMNS,
        (
            [r["at"].isoformat() if c == "at" else json.dumps(r[c]) if c in ("before", "after") and r[c] is not None
             else r[c] for c in CSV_COLUMNS]
            for r in rows
        ),
    )  # fmt: skip
    name = "audit-" + "-".join(x for x in (a.get("scenario"), a.get("network"), a.get("practice")) if x) + ".csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name.replace("-.csv", ".csv")}"'},
    )


def _page_html(query: dict, scenario=None, network=None, practice=None):
    title, page, pages, total, rows = _listing(scenario, network, practice, query.get("page", "1"))
    query = {k: v for k, v in (("scenario", scenario), ("network", network), ("practice", practice)) if v}
    return render_template(
        "access/audit.html",
        title=title,
        page=page,
        pages=pages,
        total=total,
        entries=rows,
        csv_url=url_for("audit.audit_csv", **query),
        json_url=url_for("audit.audit_json", **query),
        here=request.path,
    )


@bp.get("/scenarios/<scenario>/audit")
@operation(tags=["audit"], summary="Changes to a scenario (page)", query=sch.AuditPage,
           responses={200: common.html(), **common.problems(400, 404)})  # fmt: skip
def scenario_audit(scenario: str, query: dict):
    return _page_html(query, scenario=scenario)


@bp.get("/scenarios/<scenario>/networks/<code>/audit")
@operation(tags=["audit"], summary="Changes to a network (page)", path=sch.NetworkAuditPath, query=sch.AuditPage,
           responses={200: common.html(), **common.problems(400, 404)})  # fmt: skip
def network_audit(scenario: str, code: str, query: dict):
    return _page_html(query, scenario=scenario, network=code)


@bp.get("/practices/<code>/audit")
@operation(tags=["audit"], summary="Changes to a practice (page)", query=sch.AuditPage, path=common.PracticePath,
           responses={200: common.html(), **common.problems(400, 404)})  # fmt: skip
def practice_audit(code: str, query: dict):
    return _page_html(query, practice=code)
