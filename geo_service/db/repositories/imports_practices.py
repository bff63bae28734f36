"""SQL for practice imports: the register (epraccur), list sizes and postcode locations.

Each write is planned first into a temp table (added / updated / unchanged per row), then applied
with one set-based statement per action, so an unchanged re-import writes nothing.
"""

from __future__ import annotations

from geo_service.db.repositories.imports_staging import make_plan


def upsert_practices(conn, source_id: int) -> dict[str, int]:
    """Upsert ``stage_practices`` on ODS code. Counts added/updated/unchanged plus 'closed' (active → closed)."""
    counts = make_plan(
        conn,
        "plan_practices",
        """
        SELECT s.*, p.id AS practice_id,
               (p.status = 'active' AND s.status = 'closed') AS closing,
               upper(replace(p.postcode, ' ', '')) IS DISTINCT FROM upper(replace(s.postcode, ' ', '')) AS moved,
               CASE WHEN p.id IS NULL THEN 'added'
                    WHEN (p.name, p.postcode, p.commissioner_code, p.status, p.prescribing_setting)
                         IS DISTINCT FROM (s.name, s.postcode, s.comm, s.status, s.setting) THEN 'updated'
                    WHEN p.source_id IS DISTINCT FROM %(src)s THEN 'resourced'
                    ELSE 'unchanged' END AS action
          FROM stage_practices s LEFT JOIN practices p ON p.ods_code = s.ods
        """,
        {"src": source_id},
    )
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM plan_practices WHERE closing")
        counts["closed"] = cur.fetchone()[0]
        # A practice whose postcode changed loses its old location until the postcode import places it again.
        cur.execute(
            """UPDATE practices p
                  SET name = x.name, postcode = x.postcode, commissioner_code = x.comm, status = x.status,
                      prescribing_setting = x.setting, source_id = %(src)s, updated_at = now(),
                      location = CASE WHEN x.moved THEN NULL ELSE p.location END,
                      location_source_id = CASE WHEN x.moved THEN NULL ELSE p.location_source_id END
                 FROM plan_practices x
                WHERE x.practice_id = p.id AND x.action IN ('updated', 'resourced')""",
            {"src": source_id},
        )
        cur.execute(
            """INSERT INTO practices (ods_code, name, postcode, commissioner_code, status, prescribing_setting,
                                      source_id)
               SELECT ods, name, postcode, comm, status, setting, %(src)s FROM plan_practices WHERE action = 'added'""",
            {"src": source_id},
        )
    counts["unchanged"] = counts.get("unchanged", 0) + counts.pop("resourced", 0)
    return counts


def update_list_sizes(conn, source_id: int) -> dict[str, int]:
    """Set list size and date from ``stage_list_sizes``. 'added' = practice had no size; 'unmatched' = unknown code."""
    counts = make_plan(
        conn,
        "plan_list_sizes",
        """
        SELECT s.*, p.id AS practice_id,
               CASE WHEN p.id IS NULL THEN 'unmatched'
                    WHEN p.list_size IS NULL AND s.size IS NOT NULL THEN 'added'
                    WHEN (p.list_size, p.list_size_date) IS DISTINCT FROM (s.size, s.size_date) THEN 'updated'
                    WHEN p.list_size_source_id IS DISTINCT FROM %(src)s THEN 'resourced'
                    ELSE 'unchanged' END AS action
          FROM stage_list_sizes s LEFT JOIN practices p ON p.ods_code = s.ods
        """,
        {"src": source_id},
    )
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE practices p SET list_size = x.size, list_size_date = x.size_date,
                      list_size_source_id = %(src)s, updated_at = now()
                 FROM plan_list_sizes x
                WHERE x.practice_id = p.id AND x.action IN ('added', 'updated', 'resourced')""",
            {"src": source_id},
        )
    counts["unchanged"] = counts.get("unchanged", 0) + counts.pop("resourced", 0)
    return counts


def update_locations(conn, source_id: int) -> dict[str, int]:
    """Place practices at their postcode's centroid from ``stage_postcodes`` (matching ignores spaces and case).

    Counts: added (had no location), updated (moved), unchanged, and 'not found' (a practice with a
    postcode that is not in the file; its location, if any, is left as it was).
    """
    counts = make_plan(
        conn,
        "plan_locations",
        """
        SELECT p.id AS practice_id, s.pt,
               CASE WHEN s.pt IS NULL THEN 'not found'
                    WHEN p.location IS NULL THEN 'added'
                    WHEN ST_AsBinary(p.location) IS DISTINCT FROM ST_AsBinary(s.pt) THEN 'updated'
                    WHEN p.location_source_id IS DISTINCT FROM %(src)s THEN 'resourced'
                    ELSE 'unchanged' END AS action
          FROM practices p
          LEFT JOIN (SELECT pc, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS pt FROM stage_postcodes) s
                 ON s.pc = upper(replace(p.postcode, ' ', ''))
         WHERE p.postcode IS NOT NULL AND p.postcode <> ''
        """,
        {"src": source_id},
    )
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE practices p SET location = x.pt, location_source_id = %(src)s, updated_at = now()
                 FROM plan_locations x
                WHERE x.practice_id = p.id AND x.action IN ('added', 'updated', 'resourced')""",
            {"src": source_id},
        )
        cur.execute(
            """SELECT count(*) FROM plan_locations x JOIN practices p ON p.id = x.practice_id
                WHERE x.action = 'not found' AND p.status = 'active'"""
        )
        counts["active not found"] = cur.fetchone()[0]
    counts["unchanged"] = counts.get("unchanged", 0) + counts.pop("resourced", 0)
    return counts
