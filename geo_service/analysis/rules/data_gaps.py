"""Data gaps of the practices a scenario counts (its active GP practices, and any current member): no
location in the scope's postcode extract, no list size in its list-size extract, a list size older than
``stale_days`` before the scenario's ``as_of``, or a member missing from the register extract."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameter_spec import Spec
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


_GAP_SENTENCES = {
    "no_location": "has no location (its postcode is not in the postcode extract): check its postcode",
    "no_list_size": "has no list size in the list-size extract: its patients are not counted",
    "stale_list_size": "has a list size older than {stale} before the scenario's date: use a newer list-size extract",
    "not_in_register": "is a member but is missing from the register extract: check its ODS code",
}


def _describe(item, params, names) -> w.FindingText:
    kind = item.get("kind") or "no_location"
    what = _GAP_SENTENCES.get(kind, "has a data gap").format(stale=w.plural(int(w.param(params, "stale_days")), "day"))
    return w.FindingText(
        kind,
        f"{w.subject(item)} {what}.",
        [
            ("Practice", w.subject(item)),
            ("Postcode", item.get("postcode") or w.NOT_KNOWN),
            ("List size dated", w.day(item.get("list_size_date"))),
        ],
    )


RULE = Rule(
    position=90,
    describe=_describe,
    parameters={
        "stale_days": Spec(
            int, 548, 0, 36_500, "age in days (before the scenario's date) at which a list size is stale"
        ),
    },
    thresholds=lambda params: [("List size out of date after", w.plural(int(w.param(params, "stale_days")), "day"))],
    placement={summary_key: (("data_gaps", summary_key),) for summary_key, _, _ in _KINDS.values()},
    key="data_gaps",
    tier=DETAIL,
    explanation="Practices without a location, without a list size, whose list size is stale (older than the "
    "stale age before the scenario's date), or members missing from the register extract.",
    queries={
        "data_gaps": """
        -- Members' ids as one array, made once: an IN (subquery) here is re-scanned for each practice with a gap
        -- whenever the planner's (large) estimate of ``members`` keeps it from hashing.
        WITH counted AS MATERIALIZED (
            SELECT ps.* FROM ps
             WHERE ({in_scope} OR ps.practice_id = ANY (ARRAY(SELECT mb.practice_id FROM member_keys mb)))
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
