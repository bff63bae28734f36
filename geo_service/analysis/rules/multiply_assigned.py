"""Practices that are current members of more than one network of the scenario."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.rules.base import HEADLINE, Headline, Rule


def _describe(item, params, names) -> w.FindingText:
    nets = w.codes(item.get("networks"))
    return w.FindingText(
        "multiply_assigned",
        f"{w.subject(item)} is a current member of {w.plural(len(nets), 'network')} ({w.listing(nets)}): "
        "keep it in one network and end its other memberships.",
        [
            ("Practice", w.subject(item)),
            ("Commissioner", w.named(item.get("commissioner_code"), None, names)),
            ("Networks", w.listing(nets, 10)),
        ],
    )


RULE = Rule(
    position=20,
    describe=_describe,
    headlines=(
        Headline(("multiply_assigned_practices",), lambda p: "practices in more than one network", "multiply_assigned"),
    ),
    key="multiply_assigned_practices",
    tier=HEADLINE,
    explanation="Practices that are current members of more than one network of the scenario.",
    queries={
        "multiply_assigned_practices": """
        SELECT ps.ods_code AS code, ps.name, ps.commissioner_code,
               (SELECT json_agg(json_build_object('code', n.code, 'name', n.name) ORDER BY n.code COLLATE "C")
                  FROM memberships m JOIN networks n ON n.id = m.network_id
                 WHERE m.practice_id = ps.practice_id AND m.scenario_id = %(scenario_id)s AND {current}) AS networks
          FROM (SELECT mb.practice_id FROM members mb
                 GROUP BY mb.practice_id HAVING min(mb.network_id) <> max(mb.network_id)) d
          JOIN ps ON ps.practice_id = d.practice_id
         WHERE {in_area}
         ORDER BY ps.ods_code COLLATE "C"
        """
    },
    # The summary counts them without the networks' list and the order.
    count_queries={
        "multiply_assigned_count": """
        SELECT 1
          FROM (SELECT mb.practice_id FROM member_keys mb
                 GROUP BY mb.practice_id HAVING min(mb.network_id) <> max(mb.network_id)) d
          JOIN ps ON ps.practice_id = d.practice_id
         WHERE {in_area}
        """
    },
    summary={"multiply_assigned_count": "'multiply_assigned_practices', count(*)"},
    summary_labels={"multiply_assigned_practices": "Practices in more than one network"},
    labels={"multiply_assigned": "In more than one network"},
    counted_as={"multiply_assigned": "multiply_assigned_practices"},
    headline=lambda r: ("multiply_assigned", len(r["networks"])),
    findings=lambda items: (("practice", r["code"], "multiply_assigned") for r in items),
    practice_keys=frozenset({"multiply_assigned"}),
)
