"""The per-process findings cache never serves findings from before a data change."""

from __future__ import annotations

from geo_service.demo.generator import REGISTERED
from geo_service.demo.load import load_demo
from geo_service.exports import layers
from geo_service.scope import resolve_scope


def _orphans(db) -> set[str]:
    with db.connection() as conn:
        scope = resolve_scope(conn, REGISTERED)
        df = layers.build_layer(conn, scope, "practices", 4326)
        return set(df.loc[df["orphaned"].fillna(False).astype(bool), "ods_code"])


def test_a_data_change_refreshes_findings(fresh_db):
    load_demo(fresh_db)
    before = _orphans(fresh_db)
    assert len(before) == 3
    assert _orphans(fresh_db) == before  # second call: served from the cache, same answer
    with fresh_db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            """DELETE FROM memberships m USING practices p, scenarios s
                WHERE p.id = m.practice_id AND s.id = m.scenario_id AND s.slug = %(s)s AND p.ods_code = 'Z00001'""",
            {"s": REGISTERED},
        )
        assert cur.rowcount == 1
    assert _orphans(fresh_db) == before | {"Z00001"}
