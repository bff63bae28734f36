"""SQL for practice imports: register state, list sizes and postcode locations, each a fact of its extract.

Nothing here updates or deletes another extract's facts: each import adds the facts of its own extract
(``ON CONFLICT DO NOTHING``), so re-importing a file writes nothing and an older file loaded after a
newer one changes nothing for scenarios judged on the newer one.
"""

from __future__ import annotations


def _ensure_identities(cur, stage: str) -> int:
    """Practice identities (ODS codes) for the staged codes; returns how many were new."""
    cur.execute(
        "INSERT INTO practices (ods_code) SELECT DISTINCT ods FROM " + stage + " ON CONFLICT (ods_code) DO NOTHING"
    )
    return cur.rowcount


def add_register(conn, extract_id: int) -> dict[str, int]:
    """Register facts of ``stage_practices`` (ods, name, postcode, comm, status, setting, nation, line) for
    the extract. Counts: added (facts new to this extract), unchanged, new practices, closed (GP practices
    listed as closed)."""
    with conn.cursor() as cur:
        new_ids = _ensure_identities(cur, "stage_practices")
        cur.execute(
            """INSERT INTO practice_register (extract_id, practice_id, name, postcode, status, prescribing_setting,
                                               commissioner_code, nation, ods_code)
               SELECT %(x)s, p.id, s.name, s.postcode, s.status, s.setting, s.comm, s.nation, p.ods_code
                 FROM stage_practices s JOIN practices p ON p.ods_code = s.ods
               ON CONFLICT (extract_id, practice_id) DO NOTHING""",
            {"x": extract_id},
        )
        added = cur.rowcount
        cur.execute("SELECT count(*) FROM stage_practices")
        total = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM stage_practices WHERE status = 'closed' AND setting = 4")
        closed = cur.fetchone()[0]
    return {"added": added, "unchanged": total - added, "new practices": new_ids, "closed": closed if added else 0}


def add_list_sizes(conn, extract_id: int) -> dict[str, int]:
    """List-size facts of ``stage_list_sizes`` (ods, size, size_date, ccg_ods, ccg_gss) for the extract. Counts:
    added, unchanged, and practices in no register extract (of this extract's dataset) loaded so far."""
    with conn.cursor() as cur:
        _ensure_identities(cur, "stage_list_sizes")
        cur.execute(
            """INSERT INTO practice_list_sizes (extract_id, practice_id, list_size, list_size_date, ccg_code,
                                                 ons_ccg_code)
               SELECT %(x)s, p.id, s.size, s.size_date, s.ccg_ods, s.ccg_gss
                 FROM stage_list_sizes s JOIN practices p ON p.ods_code = s.ods
               ON CONFLICT (extract_id, practice_id) DO NOTHING""",
            {"x": extract_id},
        )
        added = cur.rowcount
        cur.execute(
            """SELECT count(*) FILTER (WHERE NOT EXISTS (
                          SELECT 1 FROM practice_register r JOIN practices p ON p.id = r.practice_id
                            JOIN extracts e ON e.id = r.extract_id
                           WHERE p.ods_code = s.ods
                             AND e.dataset = (SELECT dataset FROM extracts WHERE id = %(x)s))), count(*)
                 FROM stage_list_sizes s""",
            {"x": extract_id},
        )
        unmatched, total = cur.fetchone()
    return {"added": added, "unchanged": total - added, "unmatched": unmatched}


def register_postcodes(conn, dataset: str) -> set[str]:
    """Normalised (no spaces, upper case) postcodes of every register fact of the dataset: the postcodes a
    postcode import keeps."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT r.postcode_key FROM practice_register r JOIN extracts e ON e.id = r.extract_id
                WHERE e.dataset = %(ds)s AND r.postcode_key IS NOT NULL AND r.postcode_key <> ''""",
            {"ds": dataset},
        )
        return {r[0] for r in cur.fetchall()}


def add_postcode_points(conn, extract_id: int) -> dict[str, int]:
    """Location facts of ``stage_postcodes`` (pc, lon, lat) for the extract. Counts: added, unchanged, and
    'active not found': active GP practices of any register whose postcode is in no postcode extract."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO postcode_points (extract_id, postcode_key, geom)
               SELECT %(x)s, pc, ST_SetSRID(ST_MakePoint(lon, lat), 4326) FROM stage_postcodes
               ON CONFLICT (extract_id, postcode_key) DO NOTHING""",
            {"x": extract_id},
        )
        added = cur.rowcount
        if added:
            # Before the count below: with the statistics of before this transaction the planner expects one
            # point in the extract and scans them all once per register row (9 s instead of a few ms on England).
            cur.execute("ANALYZE postcode_points")
        cur.execute("SELECT count(*) FROM stage_postcodes")
        total = cur.fetchone()[0]
        cur.execute(
            """SELECT count(DISTINCT r.practice_id) FROM practice_register r
                WHERE r.status = 'active' AND r.prescribing_setting = 4
                  AND r.extract_id IN (SELECT id FROM extracts WHERE dataset =
                                       (SELECT dataset FROM extracts WHERE id = %(x)s))
                  AND NOT EXISTS (SELECT 1 FROM postcode_points pt WHERE pt.extract_id = %(x)s
                                     AND pt.postcode_key = r.postcode_key)""",
            {"x": extract_id},
        )
        not_found = cur.fetchone()[0]
    return {"added": added, "unchanged": total - added, "active not found": not_found}
