"""A network's own history across vintages (issue 20): the network of one code in every scenario of its dataset the
viewer may see, oldest first, each judged on its own date and extracts: its name, members and registered patients,
and what changed since the one before (members joined and left, members closed, renamed). No Flask here."""

from __future__ import annotations

from typing import Any

from geo_service.db.repositories import commissioners
from geo_service.db.repositories import practice_timeline as repo
from geo_service.errors import NotFound
from geo_service.scope import month_label, resolve_scope


def _key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def _named(rows: list[dict]) -> list[dict]:
    return [{"code": r["ods_code"], "name": r["name"], "list_size": r["list_size"]} for r in rows]


def history(conn, scenario: str, code: str, visible: set[str] | None) -> dict[str, Any]:
    """The network ``code`` of ``scenario`` in every scenario of the same dataset the viewer may see. 404 naming
    ``code`` when ``scenario`` has no such network."""
    here = resolve_scope(conn, scenario, network=code)
    code = here.network["code"]
    listed = [
        s
        for s in repo.scenario_list(conn)
        if s["dataset"] == here.dataset and (visible is None or s["slug"] in visible)
    ]
    entries: list[dict[str, Any]] = []
    previous: dict | None = None
    for s in listed:
        try:
            scope = resolve_scope(conn, s["slug"])
        except NotFound:
            continue
        net = repo.network_members(conn, scope.values(), code)
        entry: dict[str, Any] = {
            "scenario": {
                "slug": s["slug"],
                "name": s["name"],
                "status": s["status"],
                "visibility": s["visibility"],
                "as_of": scope.as_of,
            },
            "as_of_label": month_label(scope.as_of),
            "present": net is not None,
            "current": s["slug"] == here.scenario["slug"],
        }
        if net is None:
            entry["sentence"] = f"No network {code} in {s['name']}."
            entries.append(entry)
            continue
        members = net["members"]
        lead = net["lead_commissioner_code"]
        lead_name = commissioners.name_in_force(conn, lead, scope.as_of, scope.dataset) if lead else None
        entry |= {
            "name": net["name"],
            "lead": {"code": lead, "name": lead_name} if lead else None,
            "members": _named(members),
            "member_count": len(members),
            "population": sum(m["list_size"] or 0 for m in members if m["status"] != "closed"),
            "unknown_sizes": sum(1 for m in members if m["list_size"] is None),
            "closed": _named([m for m in members if m["status"] == "closed"]),
        }
        if previous is not None:
            before = {m["code"]: m for m in previous["members"]}
            now = {m["code"]: m for m in entry["members"]}
            entry["joined"] = [now[c] for c in sorted(set(now) - set(before))]
            entry["left"] = [before[c] for c in sorted(set(before) - set(now))]
            # A new spelling of the same name ("SOUTH MAIDSTONE PCN" / "South Maidstone PCN") is not a rename.
            entry["renamed_from"] = previous["name"] if _key(previous["name"]) != _key(net["name"]) else None
            entry["since"] = previous["scenario"]["name"]
        entries.append(entry)
        previous = entry
    return {
        "code": code,
        "name": here.network["name"],
        "scenario": {"slug": here.scenario["slug"], "name": here.scenario["name"]},
        "entries": entries,
    }
