"""Checks API: ``/api/v1/scenarios/<slug>/checks[.csv]``, ``/api/v1/scenarios/<slug>/networks/<code>``
and ``/api/v1/scenarios/compare?a=&b=``. Routes parse the query string and shape the response; the
rules live in :mod:`geo_service.analysis.service`."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from geo_service.analysis import report, service
from geo_service.analysis.parameters import SPECS
from geo_service.web.connection import get_conn

bp = Blueprint("checks_api", __name__, url_prefix="/api/v1")


def _params() -> dict[str, str]:
    return {name: request.args[name] for name in SPECS if name in request.args}


def _run(slug: str, detail: str | None = None) -> dict:
    return service.run_checks(
        get_conn(),
        slug,
        request.args.get("boundary_set"),
        request.args.get("area"),
        _params(),
        detail=detail or request.args.get("detail", "full"),
    )


@bp.get("/scenarios/<slug>/checks")
def checks(slug: str):
    return jsonify(_run(slug))


@bp.get("/scenarios/<slug>/checks.csv")
def checks_csv(slug: str):
    result = _run(slug, detail="full")
    name = f"checks-{result['scenario']['slug']}-{result['boundary_set']['slug']}"
    if result["area"]:
        name += f"-{result['area']['ods_code'] or result['area']['gss_code']}"
    return Response(
        report.to_csv(result),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/scenarios/<slug>/networks/<code>")
def network(slug: str, code: str):
    return jsonify(service.network_detail(get_conn(), slug, code, request.args.get("boundary_set"), _params()))


@bp.get("/scenarios/compare")
def compare():
    return jsonify(
        service.compare_scenarios(
            get_conn(),
            request.args.get("a", ""),
            request.args.get("b", ""),
            request.args.get("boundary_set"),
            _params(),
        )
    )
