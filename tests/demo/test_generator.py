"""The demo generator is deterministic and plants every rule case (checked here independently)."""

from collections import defaultdict

from shapely.geometry import shape  # noqa: F401 - keeps shapely import explicit for readers

from geo_service.demo.generator import PROPOSAL, REGISTERED, generate


def _networks(data, slug):
    return {n.code: n for n in data.scenarios[slug]["networks"]}


def test_generator_is_deterministic():
    a, b = generate(), generate()
    assert [(p.ods_code, p.name, p.list_size, p.location.wkt if p.location else None) for p in a.practices] == [
        (p.ods_code, p.name, p.list_size, p.location.wkt if p.location else None) for p in b.practices
    ]
    assert [x.geom.wkb for x in a.areas] == [x.geom.wkb for x in b.areas]
    assert a.planted == b.planted
    assert generate(seed=1).practices[0].location != a.practices[0].location


def test_everything_is_labelled_synthetic():
    data = generate()
    assert all("synthetic" in p.name.lower() for p in data.practices)
    assert all("synthetic" in a.name.lower() for a in data.areas)
    for scen in data.scenarios.values():
        assert "not real" in scen["name"]
        assert all("demo" in n.name.lower() for n in scen["networks"])


def test_shape_of_the_dataset():
    data = generate()
    assert 3 <= len(data.areas) <= 5
    assert 60 <= len(data.practices) <= 120
    sizes = sorted(p.list_size for p in data.practices if p.list_size)
    median = sizes[len(sizes) // 2]
    assert 6_000 <= median <= 10_000
    assert sum(s > 25_000 for s in sizes) >= 1
    assert all(a.geom.is_valid for a in data.areas)
    assert {True, False} <= {p.extended_hours for p in data.practices}


def test_each_rule_case_is_present():
    data = generate()
    practices = {p.ods_code: p for p in data.practices}
    area_of = {}
    for p in data.practices:
        if p.location is not None:
            hits = [a.ods_code for a in data.areas if a.geom.contains(p.location)]
            assert len(hits) == 1, p.ods_code
            area_of[p.ods_code] = hits[0]
    reg = _networks(data, REGISTERED)
    members = {m for n in reg.values() for m in n.members}
    orphans = {c for c, p in practices.items() if p.status == "active" and c not in members}
    assert orphans == data.planted[REGISTERED]["orphaned_practices"] and len(orphans) >= 1
    totals = {c: sum(practices[m].list_size or 0 for m in n.members) for c, n in reg.items()}
    assert {c for c, t in totals.items() if t < 30_000} == {"UZ0001"}
    assert {c for c, t in totals.items() if t > 50_000} == {"UZ0005"}
    shares = {c: max(practices[m].list_size or 0 for m in n.members) / totals[c] for c, n in reg.items()}
    assert {c for c, s in shares.items() if s >= 0.5} == {"UZ0008"}
    cross = set()
    for c, n in reg.items():
        comms = {practices[m].commissioner_code for m in n.members}
        areas = {area_of[m] for m in n.members if m in area_of}
        if len(comms) > 1 or len(areas) > 1:
            cross.add(c)
    assert cross == {"UZ0010"}
    ext = {c for c, n in reg.items() if any(practices[m].extended_hours is not True for m in n.members)}
    assert ext == {"UZ0003"}
    # The proposal has polygons that contain their members, one overlap and one gap.
    prop = _networks(data, PROPOSAL)
    assert all(n.geom is not None and n.geom.is_valid for n in prop.values())
    for n in prop.values():
        for m in n.members:
            if practices[m].location is not None:
                assert n.geom.buffer(1e-9).contains(practices[m].location), (n.code, m)
    overlaps = defaultdict(set)
    codes = sorted(prop)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            if prop[a].geom.intersection(prop[b].geom).area > 1e-7:
                overlaps[a].add(b)
                overlaps[b].add(a)
    assert set(overlaps) == data.planted[PROPOSAL]["overlapping_networks"]
    assert {
        c
        for c, t in {c: sum(practices[m].list_size or 0 for m in n.members) for c, n in prop.items()}.items()
        if t > 50_000
    } == data.planted[PROPOSAL]["oversized_networks"]
