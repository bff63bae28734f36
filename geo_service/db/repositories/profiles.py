"""SQL for the practice profile facts a scope reads: which payments, deprivation and age-band extracts it uses."""

from __future__ import annotations

from datetime import date

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories.scope import (
    current_membership,
    in_scope_practice,
    practice_in_area,
    practice_state_cte,
)

# Fact table of each profile kind (constants, never from input).
_FACT_TABLE = {
    "payments": "practice_payments",
    "deprivation": "practice_deprivation",
    "age_bands": "practice_age_bands",
}


def nearest_profile_extract(conn, kind: str, dataset: str, as_of: date) -> dict | None:
    """The extract of ``kind`` of the dataset nearest to ``as_of`` (preferring one on or before it), holding facts;
    with its financial year for payments."""
    table = _FACT_TABLE[kind]
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT e.id, e.kind, e.file_name, e.extract_date, e.loaded_at, "
            "       (SELECT f.financial_year FROM practice_payments f WHERE f.extract_id = e.id LIMIT 1)"
            "           AS financial_year"
            "  FROM extracts e"
            " WHERE e.dataset = %(ds)s AND e.kind = %(kind)s AND e.extract_date IS NOT NULL"
            "   AND EXISTS (SELECT 1 FROM " + table + " f WHERE f.extract_id = e.id)"
            " ORDER BY e.extract_date > %(as_of)s, abs(e.extract_date - %(as_of)s::date), e.id DESC LIMIT 1",
            {"ds": dataset, "kind": kind, "as_of": as_of},
        )
        return cur.fetchone()


def register_states_extended_hours(conn, register_extract_id: int | None) -> bool:
    """Whether the register extract says, for any practice, whether it offers extended hours (the synthetic
    generator's registers do; the ODS register does not)."""
    if register_extract_id is None:
        return False
    with conn.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM practice_register WHERE extract_id = %(x)s AND extended_hours IS NOT NULL)",
            {"x": register_extract_id},
        )
        return cur.fetchone()[0]


# One row per network of the scenario: its current members' profile facts from the scope's payments, deprivation
# and age-band extracts, and the network payments paid under its code (to its nominated practice) that year.
_NETWORK_PROFILES = sql.SQL(
    """
    WITH mem AS (
        SELECT n.id AS network_id, m.practice_id
          FROM networks n JOIN memberships m ON m.network_id = n.id AND m.scenario_id = n.scenario_id AND {current}
         WHERE n.scenario_id = %(scenario_id)s
    ),
    facts AS (
        SELECT mem.network_id, mem.practice_id, pp.registered_patients AS reg, pp.weighted_patients AS wtd,
               pp.contract_type, pp.dispensing, pp.rurality, pp.extended_hours_paid,
               d.score, ab.total AS age_total, ab.aged_65_plus
          FROM mem
          LEFT JOIN practice_payments pp ON pp.practice_id = mem.practice_id
                AND pp.extract_id = %(payments_extract_id)s
          LEFT JOIN practice_deprivation d ON d.practice_id = mem.practice_id
                AND d.extract_id = %(deprivation_extract_id)s AND d.imd_year = %(imd_year)s
          LEFT JOIN practice_age_bands ab ON ab.practice_id = mem.practice_id
                AND ab.extract_id = %(age_band_extract_id)s
    ),
    paid AS (
        SELECT pp.pcn_code, sum(pp.network_payments) AS network_payments
          FROM practice_payments pp WHERE pp.extract_id = %(payments_extract_id)s GROUP BY pp.pcn_code
    ),
    agg AS (
        SELECT n.id AS network_id, n.code, n.name,
               count(f.practice_id)::int AS members,
               count(f.reg)::int AS members_paid,
               sum(f.reg) AS registered_patients,
               sum(f.wtd) AS weighted_patients,
               sum(f.score * f.reg) / nullif(sum(f.reg) FILTER (WHERE f.score IS NOT NULL), 0) AS deprivation_score,
               count(f.score)::int AS members_with_score,
               sum(f.aged_65_plus)::numeric / nullif(sum(f.age_total), 0) AS share_65_plus,
               count(f.age_total)::int AS members_with_ages,
               count(*) FILTER (WHERE f.rurality = 'Rural')::int AS rural_members,
               count(*) FILTER (WHERE f.rurality = 'Urban')::int AS urban_members,
               count(*) FILTER (WHERE f.contract_type = 'GMS')::int AS gms_members,
               count(*) FILTER (WHERE f.contract_type = 'PMS')::int AS pms_members,
               count(*) FILTER (WHERE f.contract_type = 'APMS')::int AS apms_members,
               count(*) FILTER (WHERE f.dispensing)::int AS dispensing_members,
               sum(f.reg) FILTER (WHERE f.extended_hours_paid > 0) AS extended_hours_patients,
               coalesce(p.network_payments, 0) AS network_payments
          FROM networks n
          LEFT JOIN facts f ON f.network_id = n.id
          LEFT JOIN paid p ON p.pcn_code = n.code
         WHERE n.scenario_id = %(scenario_id)s
         GROUP BY n.id, n.code, n.name, p.network_payments
    ),
    ranked AS (
    SELECT a.*,
           round(a.weighted_patients / nullif(a.registered_patients, 0), 4) AS weighted_ratio,
           round(a.network_payments / nullif(a.registered_patients, 0), 2) AS payments_per_registered,
           round(a.network_payments / nullif(a.weighted_patients, 0), 2) AS payments_per_weighted,
           round(a.deprivation_score, 2) AS deprivation,
           round(a.share_65_plus, 4) AS share_aged_65_plus,
           round(a.extended_hours_patients / nullif(a.registered_patients, 0), 4) AS extended_hours_paid_share,
           -- England decile among the scenario's networks: 1 = the most deprived tenth (as IMD deciles).
           -- rank() - 1 is the number of networks scoring higher (NULLS LAST: unscored ones never count).
           CASE WHEN a.deprivation_score IS NOT NULL THEN
               least(10, 1 + floor(10.0 * (rank() OVER (ORDER BY a.deprivation_score DESC NULLS LAST) - 1)
                                   / count(a.deprivation_score) OVER ())::int) END AS deprivation_decile
      FROM agg a
    )
    SELECT * FROM ranked
     WHERE %(network_id)s::integer IS NULL OR network_id = %(network_id)s
     ORDER BY code COLLATE "C"
    """
)


def network_profiles(conn, values: dict, imd_year: int = 2019) -> list[dict]:
    """Profile rows of the scope's networks (``values``: ``Scope.values()``; its ``network_id`` narrows to one)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _NETWORK_PROFILES.format(current=_current("m")),
            {**values, "imd_year": imd_year},
        )
        return cur.fetchall()


def _current(alias: str) -> sql.Composable:
    return current_membership(alias)


# One row per practice of the scope (an active GP practice of its nation; in the scope's area when it names one,
# or the one practice ``code``): its own profile facts from the scope's payments, deprivation and age-band extracts.
_PRACTICE_FACTS = sql.SQL(
    """
    WITH {ps}
    SELECT ps.ods_code AS code, ps.name, ps.list_size,
           pp.registered_patients, pp.weighted_patients, pp.contract_type, pp.dispensing, pp.rurality,
           pp.extended_hours_paid, pp.pcn_code AS paid_pcn_code, pp.financial_year,
           d.score AS deprivation, ab.total AS age_total, ab.aged_65_plus,
           (ps.active_gp AND ps.in_nation) AS in_scope
      FROM ps
      LEFT JOIN practice_payments pp ON pp.practice_id = ps.practice_id AND pp.extract_id = %(payments_extract_id)s
      LEFT JOIN practice_deprivation d ON d.practice_id = ps.practice_id
            AND d.extract_id = %(deprivation_extract_id)s AND d.imd_year = %(imd_year)s
      LEFT JOIN practice_age_bands ab ON ab.practice_id = ps.practice_id AND ab.extract_id = %(age_band_extract_id)s
     WHERE CASE WHEN %(code)s::text IS NULL THEN {in_scope} AND {in_area} ELSE ps.ods_code = %(code)s END
     ORDER BY ps.ods_code COLLATE "C"
    """
)


def practice_facts(conn, values: dict, imd_year: int = 2019, code: str | None = None) -> list[dict]:
    """Profile facts per practice of the scope (its area's when it names one), or of the one practice ``code``."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _PRACTICE_FACTS.format(
                ps=practice_state_cte("ps", with_location=False),
                in_scope=in_scope_practice("ps"),
                in_area=practice_in_area("ps"),
            ),
            {**values, "imd_year": imd_year, "code": code},
        )
        return cur.fetchall()


def deprivation_decile(conn, deprivation_extract_id: int | None, imd_year: int, score) -> int | None:
    """The England decile of an IMD score among the practices of the deprivation extract (1 = the most deprived
    tenth: the share of practices scoring higher, in tenths)."""
    if deprivation_extract_id is None or score is None:
        return None
    with conn.cursor() as cur:
        cur.execute(
            "SELECT least(10, 1 + floor(10.0 * count(*) FILTER (WHERE score > %(s)s) / nullif(count(*), 0))::int)"
            "  FROM practice_deprivation WHERE extract_id = %(x)s AND imd_year = %(y)s",
            {"s": score, "x": deprivation_extract_id, "y": imd_year},
        )
        return cur.fetchone()[0]


# Per area of the scope's boundary set: the profile facts of its practices (an in-scope practice whose commissioner
# is the area or located in it, as ``practice_in_area`` says for one area), aggregated per registered patient.
_AREA_PROFILES = sql.SQL(
    """
    WITH {ps},
    facts AS MATERIALIZED (
        SELECT ps.practice_id, ps.commissioner_code, ps.point_id,
               pp.registered_patients AS reg, pp.weighted_patients AS wtd, d.score,
               ab.total AS age_total, ab.aged_65_plus
          FROM ps
          LEFT JOIN practice_payments pp ON pp.practice_id = ps.practice_id AND pp.extract_id = %(payments_extract_id)s
          LEFT JOIN practice_deprivation d ON d.practice_id = ps.practice_id
                AND d.extract_id = %(deprivation_extract_id)s AND d.imd_year = %(imd_year)s
          LEFT JOIN practice_age_bands ab ON ab.practice_id = ps.practice_id
                AND ab.extract_id = %(age_band_extract_id)s
         WHERE {in_scope}
    ),
    area_practice AS (
        SELECT a.id AS area_id, f.practice_id
          FROM areas a JOIN facts f ON f.commissioner_code = a.ods_code
         WHERE a.boundary_set_id = %(bs_id)s
        UNION
        SELECT spa.area_id, f.practice_id
          FROM facts f JOIN point_areas spa ON spa.point_id = f.point_id AND spa.boundary_set_id = %(bs_id)s
    )
    SELECT coalesce(a.ods_code, a.gss_code) AS code,
           count(f.practice_id)::int AS practices,
           sum(f.reg) AS registered_patients,
           sum(f.wtd) AS weighted_patients,
           sum(f.wtd) / nullif(sum(f.reg), 0) AS weighted_ratio,
           sum(f.score * f.reg) / nullif(sum(f.reg) FILTER (WHERE f.score IS NOT NULL), 0) AS deprivation,
           sum(f.aged_65_plus)::numeric / nullif(sum(f.age_total), 0) AS share_aged_65_plus
      FROM areas a
      LEFT JOIN area_practice ap ON ap.area_id = a.id
      LEFT JOIN facts f ON f.practice_id = ap.practice_id
     WHERE a.boundary_set_id = %(bs_id)s
     GROUP BY a.id
    """
)


def area_profiles(conn, values: dict, imd_year: int = 2019) -> list[dict]:
    """Profile figures of every area of the scope's boundary set (the scope's own area is ignored)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _AREA_PROFILES.format(ps=practice_state_cte("ps", with_location=False), in_scope=in_scope_practice("ps")),
            {**values, "imd_year": imd_year},
        )
        return cur.fetchall()
