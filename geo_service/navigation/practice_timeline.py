"""One practice in every scenario the viewer may see, side by side (issue 20): the practice page and its JSON.

Each scenario is judged on its own date and extracts (:func:`geo_service.scope.resolve_scope`), so the page is a
time line across vintages (2019/20, 2020/21, 2021/22, April 2022) and the plans the viewer may see. Each entry says
in plain words whether the practice is a member of a network (which, named beside its code), in no network
(orphaned), closed, or not in that scenario's files at all; with its commissioner (name beside code), list size
and the findings about it, and the map that shows it. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geo_service.analysis import profiles, wording
from geo_service.analysis import service as analysis
from geo_service.db.repositories import commissioners, map_layers
from geo_service.db.repositories import practice_timeline as repo
from geo_service.errors import NotFound
from geo_service.scope import Scope, month_label, resolve_scope

# A state in plain words, as the page, the JSON and the search's "also in" links name it.
STATES = {
    "member": "member of a network",
    "members": "member of more than one network",
    "orphaned": "open, in no network (orphaned)",
    "closed": "closed",
    "not_judged": "not a GP practice this scenario's files judge",
    "absent": "not in this scenario's files",
}


@dataclass
class Entry:
    scenario: dict  # slug, name, as_of, status, visibility
    state: str  # a key of STATES
    sentence: str
    name: str | None = None
    postcode: str | None = None
    commissioner: dict | None = None  # {code, name}
    list_size: int | None = None
    list_size_date: Any = None
    networks: list[dict] = field(default_factory=list)  # {code, name, lead_commissioner: {code, name}}
    findings: list[dict] = field(default_factory=list)  # the practice's own: {key, label}
    network_findings: list[dict] = field(default_factory=list)  # its network's: {network, key, label}
    lon: float | None = None
    lat: float | None = None
    map: dict | None = None  # {"page": "network"|"area"|"overview", "code": ...}

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": {
                **self.scenario,
                "as_of": self.scenario["as_of"].isoformat() if self.scenario.get("as_of") else None,
            },
            "state": self.state,
            "state_text": STATES[self.state],
            "sentence": self.sentence,
            "name": self.name,
            "postcode": self.postcode,
            "commissioner": self.commissioner,
            "list_size": self.list_size,
            "list_size_date": self.list_size_date.isoformat() if self.list_size_date else None,
            "networks": self.networks,
            "findings": self.findings,
            "network_findings": self.network_findings,
            "location": {"lon": self.lon, "lat": self.lat} if self.lon is not None else None,
            "map": self.map,
        }


@dataclass
class Timeline:
    code: str
    name: str | None
    postcode: str | None
    entries: list[Entry]

    @property
    def located(self) -> Entry | None:
        return next((e for e in reversed(self.entries) if e.lon is not None), None)

    def entry(self, scenario: str | None) -> Entry | None:
        return next((e for e in self.entries if scenario and e.scenario["slug"] == scenario), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "postcode": self.postcode,
            "scenarios": [e.as_dict() for e in self.entries],
        }


def findings_in(conn, scope: Scope, code: str, networks: list[str]) -> tuple[list[dict], list[dict]]:
    """The practice's own findings and its networks' in the scope (the engine's kept run for the scope)."""
    nf, pf = analysis.findings_in(conn, scope)
    own = [{"key": k, "label": wording.label(k)} for k in pf.get(code, [])]
    nets = [{"network": n, "key": k, "label": wording.label(k)} for n in networks for k in nf.get(n, [])]
    return own, nets


def _entry(conn, scope: Scope, scen: dict, practice_id: int, with_findings: bool) -> Entry:
    head = {
        "slug": scen["slug"],
        "name": scen["name"],
        "as_of": scope.as_of,
        "as_of_label": month_label(scope.as_of),
        "status": scen["status"],
        "visibility": scen["visibility"],
    }
    row = repo.state_in_scope(conn, scope.values(), practice_id)
    if row is None:
        return Entry(head, "absent", f"Not in {scen['name']}'s files: no register entry, list size or membership.")
    codes = [row.get("commissioner_code")] + [n["lead_commissioner_code"] for n in row["networks"]]
    names = commissioners.names_in_force(conn, [c for c in codes if c], scope.as_of, scope.dataset)

    def named(code: str | None) -> dict | None:
        return {"code": code, "name": names.get(code)} if code else None

    networks = [
        {"code": n["code"], "name": n["name"], "lead_commissioner": named(n["lead_commissioner_code"])}
        for n in row["networks"]
    ]
    entry = Entry(
        head,
        "absent",
        "",
        name=row.get("name"),
        postcode=row.get("postcode"),
        commissioner=named(row.get("commissioner_code")),
        list_size=row.get("list_size"),
        list_size_date=row.get("list_size_date"),
        networks=networks,
        lon=row.get("lon"),
        lat=row.get("lat"),
    )
    listed = ", ".join(f"{n['name']} ({n['code']})" for n in networks)
    if row.get("status") == "closed":
        entry.state = "closed"
        entry.sentence = f"Closed by {month_label(scope.as_of)}: the register marks it closed."
        if networks:
            entry.sentence += f" Still listed as a member of {listed}."
    elif len(networks) > 1:
        entry.state, entry.sentence = "members", f"Member of {len(networks)} networks at once: {listed}."
    elif networks:
        entry.state, entry.sentence = "member", f"Member of {listed}."
    elif row.get("in_scope"):
        entry.state = "orphaned"
        entry.sentence = "Open, with patients, but a member of no network (orphaned)."
    elif row.get("status") is None and row.get("list_size") is None:
        entry.state, entry.sentence = "absent", f"Not in {scen['name']}'s register or list sizes."
    else:
        entry.state = "not_judged"
        entry.sentence = "In the files, but not an active GP practice of the scenario's nation: not judged."
    if networks:
        entry.map = {"page": "network", "code": networks[0]["code"]}
    elif entry.state != "absent":  # in no network: the map of the area it counts in (located in, or its commissioner's)
        area = map_layers.practice_home_areas(conn, scope.values(), [row["ods_code"]]).get(row["ods_code"])
        entry.map = {"page": "area", "code": area} if area else None
    if with_findings and entry.state != "not_judged":
        entry.findings, entry.network_findings = findings_in(
            conn, scope, row.get("ods_code") or "", [n["code"] for n in networks]
        )
    return entry


def timeline(conn, ods_code: str, visible: set[str] | None, with_findings: bool = True) -> Timeline:
    """The practice in every scenario it appears in that the viewer may see (``visible``: slugs; None: all),
    oldest date first, each with the engine's findings about it and its networks (``with_findings``). 404 naming
    ``ods`` when no file knows the code, or when it is in no scenario the viewer may see."""
    found = repo.practice(conn, ods_code)
    if found is None:
        raise NotFound(f"No practice has the ODS code '{ods_code}' in any loaded file.", parameter="ods", code=ods_code)
    with_practice = set(repo.scenarios_with_practice(conn, found["id"]))
    entries = []
    for s in repo.scenario_list(conn):
        if visible is not None and s["slug"] not in visible:
            continue
        try:
            scope = resolve_scope(conn, s["slug"])
        except NotFound:
            continue
        entry = _entry(conn, scope, s, found["id"], with_findings)
        if entry.state == "absent" and s["id"] not in with_practice:
            continue
        entries.append(entry)
    entries.sort(key=lambda e: (e.scenario["as_of"], e.scenario["status"] != "baseline", e.scenario["name"]))
    if not entries:
        raise NotFound(f"Practice '{found['ods_code']}' is in no scenario you may see.", parameter="ods")
    return Timeline(found["ods_code"], found["name"], found["postcode"], entries)


def also_in(conn, ods_code: str, visible: set[str] | None, scenario: str) -> list[dict]:
    """The practice in the other scenarios the viewer may see ("also in ..." beside one scenario's map): scenario,
    state in words, and the page that shows it there ({"page": "network"|"practice", "code": ...})."""
    try:
        tl = timeline(conn, ods_code, visible, with_findings=False)
    except NotFound:
        return []
    out = []
    for e in tl.entries:
        if e.scenario["slug"] == scenario or e.state == "absent":
            continue
        net = e.networks[0] if e.networks else None
        out.append(
            {
                "scenario": e.scenario["slug"],
                "scenario_name": e.scenario["name"],
                "state": STATES[e.state],
                "network": net,
                "page": {"page": "network", "code": net["code"]} if net else {"page": "practice", "code": tl.code},
            }
        )
    return out


def profile_in(conn, tl: Timeline, scenario: str | None) -> dict[str, Any] | None:
    """The practice's profile (issue 25) in the scenario in view (``scenario``; else its newest scenario that has
    it), judged on that scenario's date and profile files: population registered and weighted, deprivation with its
    England decile, share 65+, contract, dispensing, rurality, extended hours and what its network was paid, each
    figure with its source (file and date). None when the practice is absent from that scenario."""
    entry = tl.entry(scenario) or next((e for e in reversed(tl.entries) if e.state != "absent"), None)
    if entry is None or entry.state == "absent":
        return None
    slug = entry.scenario["slug"]
    network = None
    if entry.networks:
        mine = profiles.network_profiles(conn, resolve_scope(conn, slug, network=entry.networks[0]["code"]))
        network = mine[0] if mine else None
    found = profiles.practice_profile(conn, resolve_scope(conn, slug), tl.code, network)
    return {**found, "scenario": entry.scenario} if found else None
