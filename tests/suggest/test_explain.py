"""The scorecard and the sentences on a hand-made example whose figures are known."""

from __future__ import annotations

import networkx as nx

from geo_service.suggest.explain import Practice, scorecard, sentences


def example():
    # A line of four practices 1 km apart in area A: N1 = {a, b, c} (60,000, over), N2 = {d} (20,000, under).
    practices = {
        "a": Practice("a", 20_000, "A", (0.0, 0.0), "N1"),
        "b": Practice("b", 20_000, "A", (1000.0, 0.0), "N1"),
        "c": Practice("c", 20_000, "A", (2000.0, 0.0), "N1"),
        "d": Practice("d", 20_000, "A", (3000.0, 0.0), "N2"),
    }
    graph = nx.path_graph(["a", "b", "c", "d"])
    before = {c: p.start for c, p in practices.items()}
    after = {**before, "c": "N2"}  # c joins d: 40,000 and 40,000
    return practices, graph, before, after


def test_scorecard_counts_before_and_after():
    practices, graph, before, after = example()
    card = scorecard(practices, before, after, {"A": graph}, 30_000, 50_000)
    assert card["before"]["in_band"] == 0 and card["before"]["over"] == 1 and card["before"]["under"] == 1
    assert card["after"]["in_band"] == 2 and card["after"]["networks"] == 2
    assert card["patients_moved"] == 20_000 and card["practices_moved"] == 1 and card["networks_touched"] == 2
    assert card["patients_moved_share"] == 0.25
    # The dominance rule: largest member at or above 50 % (d is all of N2; after, two halves each).
    assert card["before"]["dominated"] == 1 and card["after"]["dominated"] == 2
    assert card["after"]["farthest_member_km"] == 1.0
    assert card["after"]["not_contiguous"] == 0


def test_scorecard_sees_a_network_that_is_not_contiguous():
    practices, graph, before, _ = example()
    split = {**before, "b": "N3"}  # N1 = {a, c}: not neighbours
    card = scorecard(practices, before, split, {"A": graph}, 30_000, 50_000)
    assert card["after"]["not_contiguous"] == 1


def test_one_sentence_per_moved_practice_with_populations_reason_and_distance():
    practices, _, before, after = example()
    out = sentences(practices, before, after, 30_000, 50_000, {"N1": "A", "N2": "A"}, set())
    assert [m["practice"] for m in out] == ["c"]
    assert out[0]["sentence"] == (
        "c moves from N1 (60,000 patients) to N2 (20,000) so N1 comes into band (40,000) and N2 reaches the band "
        "(40,000); 1.0 km from its new neighbours."
    )


def test_sentence_for_a_practice_with_no_network_and_a_new_network():
    practices, _, before, _ = example()
    practices["e"] = Practice("e", 5_000, "A", (3000.0, 2500.0), None)
    before["e"] = None
    after = {**before, "e": "NEW-A-1", "d": "NEW-A-1"}
    out = {m["practice"]: m["sentence"] for m in sentences(practices, before, after, 30_000, 50_000, {}, {"NEW-A-1"})}
    assert out["e"].startswith("e moves from no network to a new network NEW-A-1 as it had no network, and ")
    assert out["e"].endswith("; 2.5 km from its new neighbours.")
