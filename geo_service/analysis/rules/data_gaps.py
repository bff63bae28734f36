"""Data gaps of the practices a scenario counts (its active GP practices, and any current member): no
location in the scope's postcode extract, no list size in its list-size extract, a list size older than
``stale_days`` before the scenario's ``as_of``, or a member missing from the register extract."""

from __future__ import annotations

from geo_service.analysis.rules.base import DETAIL, Rule

_KINDS = {
    "no_location": ("practices_without_location", "Practices without a location", "No location (postcode not found)"),
    "no_list_size": ("practices_without_list_size", "Practices without a list size", "No list size"),
    "stale_list_size": (
        "practices_with_stale_list_size",
        "Practices with a stale list size",
        "List size is out of date",
    ),
    "not_in_register": (
        "members_not_in_register",
        "Members missing from the register",
        "Not in the register extract",
    ),
}

RULE = Rule(
    key="data_gaps",
    tier=DETAIL,
    explanation="Practices without a location, without a list size, whose list size is stale (older than the "
    "stale age before the scenario's date), or members missing from the register extract.",
    queries={
        "data_gaps": """
        WITH counted AS MATERIALIZED (
            SELECT ps.* FROM ps
             WHERE ({in_scope} OR ps.practice_id IN (SELECT mb.practice_id FROM members mb))
               AND (ps.point_id IS NULL OR ps.list_size IS NULL OR ps.list_size_date < %(stale_before)s)
               AND {in_area}
        )
        SELECT * FROM (
            SELECT ods_code AS code, name, 'no_location' AS kind, postcode, list_size_date FROM counted
             WHERE point_id IS NULL AND in_register
            UNION ALL
            SELECT ods_code, name, 'no_list_size', postcode, list_size_date FROM counted WHERE list_size IS NULL
            UNION ALL
            SELECT ods_code, name, 'stale_list_size', postcode, list_size_date FROM counted
             WHERE list_size_date < %(stale_before)s
            UNION ALL
            SELECT ods_code, name, 'not_in_register', postcode, list_size_date FROM counted WHERE NOT in_register
        ) g
         ORDER BY kind, code COLLATE "C"
        """
    },
    summary={
        "data_gaps": ", ".join(
            f"'{summary_key}', count(*) FILTER (WHERE x.kind = '{kind}')"
            for kind, (summary_key, _, _) in _KINDS.items()
        )
    },
    summary_labels={summary_key: label for summary_key, label, _ in _KINDS.values()},
    labels={kind: finding for kind, (_, _, finding) in _KINDS.items()},
    counted_as={kind: summary_key for kind, (summary_key, _, _) in _KINDS.items()},
    headline=lambda r: (r["kind"], r.get("list_size_date")),
    findings=lambda items: (("practice", r["code"], r["kind"]) for r in items),
    practice_keys=frozenset(_KINDS),
)
