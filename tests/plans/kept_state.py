"""Oracles for the plan editor's incremental work: kept members against a full rebuild, an edit's delta
against the rule engine run afresh (no cache) on the same scope."""

from __future__ import annotations

import psycopg2

from geo_service.analysis.service import network_findings_from, practice_findings_from, run_checks_in
from geo_service.db.pool import Database
from geo_service.scope import resolve_scope

MEMBER_COLUMNS = """membership_id, network_id, network_code, network_name, lead, practice_id, ods_code, practice_name,
       commissioner_code, list_size, extended_hours, point_id"""


def kept_members_and_full_refresh(db_url: str, slug: str) -> tuple[list[tuple], list[tuple]]:
    """(the plan's kept members as the triggers left them, the same after refresh_scenario_state rebuilt them
    whole): the rebuild is rolled back."""
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM scenarios WHERE slug = %s", (slug,))
            sid = cur.fetchone()[0]
            query = f"SELECT {MEMBER_COLUMNS} FROM scenario_members WHERE scenario_id = %s ORDER BY membership_id"
            cur.execute(query, (sid,))
            kept = cur.fetchall()
            cur.execute("SELECT refresh_scenario_state(ARRAY[%s])", (sid,))
            cur.execute(query, (sid,))
            full = cur.fetchall()
    finally:
        conn.rollback()
        conn.close()
    return kept, full


def fresh_findings(db_url: str, slug: str, areas: list[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Network and practice findings of these areas of the plan (union), the rules run now (no cache)."""
    nets: dict[str, set[str]] = {}
    pracs: dict[str, set[str]] = {}
    db = Database(db_url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            for area in areas:
                result = run_checks_in(conn, resolve_scope(conn, slug, None, area))
                for found, into in ((network_findings_from(result), nets), (practice_findings_from(result), pracs)):
                    for code, keys in found.items():
                        into.setdefault(code, set()).update(keys)
    finally:
        db.close()
    return nets, pracs


def merged(by_area: dict[str, tuple[dict, dict]], areas: list[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The union of per-area findings (as :func:`fresh_findings` gives for one area) over ``areas``."""
    nets: dict[str, set[str]] = {}
    pracs: dict[str, set[str]] = {}
    for area in areas:
        for found, into in zip(by_area[area], (nets, pracs), strict=True):
            for code, keys in found.items():
                into.setdefault(code, set()).update(keys)
    return nets, pracs


def assert_delta_matches(delta: dict, before: tuple[dict, dict], after: tuple[dict, dict]) -> None:
    """Each touched network's flags before / after (and each touched practice's flags after) are the fresh
    findings of its area before and after the edit."""
    for net in delta["networks"]:
        for when, (nf, _) in (("before", before), ("after", after)):
            assert {f["key"] for f in net["flags"][when]} == set(nf.get(net["code"], [])), (net["code"], when)
    for prac in delta["practices"]:
        assert {f["key"] for f in prac["flags"]["after"]} == set(after[1].get(prac["code"], [])), prac["code"]
