"""What the network page shows about a network, written for people: each finding as a sentence with a small
evidence table (``analysis.wording``), the members with names, codes, formatted list sizes, shares and
extended-hours flags, the thresholds used, and the members' shares chart (``charts``). No Flask here."""

from __future__ import annotations

from typing import Any

from geo_service.analysis import described, rules, wording
from geo_service.charts import member_shares_svg
from geo_service.charts.population import share_of


def network_findings(conn, detail: dict[str, Any]) -> dict[str, Any]:
    """From ``analysis.service.network_detail``: sentences, evidence tables, member rows, chart, thresholds."""
    items = detail.get("items") or {}
    members = detail.get("members") or []
    network = detail.get("network") or {}
    names = described.names_for(
        conn,
        {**items, "_members": members, "_network": [{"lead_commissioner_code": network.get("lead_commissioner_code")}]},
        scope=detail.get("scope"),
    )
    params = detail.get("parameters")
    texts = []
    # Headline findings first (issue 19: the top of the page counts the headline tier; detail follows).
    for rule in (*rules.of_tier(rules.HEADLINE), *rules.of_tier(rules.DETAIL)):
        for item in items.get(rule.key, []):
            text = wording.describe(rule.key, item, params, names)
            texts.append(
                {
                    "check": rule.key,
                    "tier": rule.tier,
                    "finding": text.finding,
                    "label": wording.label(text.finding),
                    "sentence": text.sentence,
                    "evidence": text.evidence,
                }
            )
    total = sum(int(m["list_size"]) for m in members if m.get("list_size") is not None)
    dominance = (params or {}).get("dominance")
    member_rows = []
    for m in members:
        share = share_of(m, total)
        member_rows.append(
            {
                "code": m.get("code"),
                "name": m.get("name"),
                "postcode": m.get("postcode") or "",
                "commissioner": wording.named(m.get("commissioner_code"), None, names),
                "list_size": wording.count(m.get("list_size")),
                "list_size_date": wording.day(m.get("list_size_date")) if m.get("list_size_date") else "",
                "share": wording.percent(share),
                "dominant": share is not None and dominance is not None and share >= float(dominance),
                "extended_hours": wording.yes_no(m.get("extended_hours")),
                "area": wording.named(m.get("area_ods_code") or m.get("area_gss_code"), m.get("area_name"))
                if m.get("area_name")
                else "not located",
                "findings": [wording.label(k) for k in m.get("findings") or []],
            }
        )
    return {
        "texts": texts,
        "members": member_rows,
        "lead": wording.named(network.get("lead_commissioner_code"), None, names),
        "population": wording.patients(network.get("population")),
        "thresholds": wording.thresholds(params),
        "chart": member_shares_svg(
            members, dominance, title=f"Members' shares of {network.get('name') or 'the network'}"
        ),
    }
