"""Empty networks: networks of the scenario with no current member on ``as_of`` (closed, or whose
members have all left or not yet joined). Reported on their own, never as undersized."""

from __future__ import annotations

from geo_service.analysis.rules.base import HEADLINE, MapLayer, Rule

RULE = Rule(
    key="empty_networks",
    tier=HEADLINE,
    explanation="Networks with no current member on the scenario's date (all members have left, or none has "
    "joined yet). They are not counted as undersized.",
    queries={
        "empty_networks": """
        SELECT code, name, lead_commissioner_code FROM population WHERE member_count = 0 ORDER BY code COLLATE "C"
        """
    },
    summary={"empty_networks": "'empty_networks', count(*)"},
    summary_labels={"empty_networks": "Networks with no current member"},
    labels={"empty": "No current member"},
    counted_as={"empty": "empty_networks"},
    headline=lambda r: ("empty", 0),
    findings=lambda items: (("network", r["code"], "empty") for r in items),
    map_layers=(MapLayer("empty", "Networks with no current member", "#999999", "1 4", False),),
)
