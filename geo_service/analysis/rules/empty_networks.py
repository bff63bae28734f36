"""Empty networks: networks of the scenario with no current member on ``as_of`` (closed, or whose
members have all left or not yet joined). Reported on their own, never as undersized."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.rules.base import HEADLINE, Flag, Headline, MapLayer, Rule


def _describe(item, params, names) -> w.FindingText:
    return w.FindingText(
        "empty",
        f"{w.subject(item)} has no current member: close the network or add practices to it.",
        [("Network", w.subject(item)), ("Lead commissioner", w.named(item.get("lead_commissioner_code"), None, names))],
    )


RULE = Rule(
    position=30,
    describe=_describe,
    flags=(Flag("empty", "○", frozenset({"empty"}), lambda row, t: "No current members", "empty_networks"),),
    headlines=(Headline(("empty_networks",), lambda p: "networks with no current member", "empty"),),
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
