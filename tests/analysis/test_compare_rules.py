"""The merge / split rule of the compare (geo_service.analysis.compare), on small hand-made overlaps."""

from __future__ import annotations

from geo_service.analysis.compare import _merges_and_splits

NAMES_A = {"A1": "North", "A2": "South", "A3": "East", "A4": "West"}
NAMES_B = {"B1": "North and South", "B3": "East One", "B4": "East Two", "B5": "West"}


def test_two_networks_sending_most_members_to_one_are_a_merger():
    overlap = {"A1": {"B1": 3}, "A2": {"B1": 2, "B5": 1}, "A4": {"B5": 4}}
    merged, split = _merges_and_splits(overlap, NAMES_A, NAMES_B)
    assert merged == [
        {
            "into": {"code": "B1", "name": "North and South"},
            "from": [{"code": "A1", "name": "North", "shared": 3}, {"code": "A2", "name": "South", "shared": 2}],
        }
    ]
    assert split == []


def test_half_is_not_more_than_half():
    """A2 sends exactly half of its continuing members to B1: not a merger."""
    merged, _ = _merges_and_splits({"A1": {"B1": 3}, "A2": {"B1": 2, "B5": 2}}, NAMES_A, NAMES_B)
    assert merged == []


def test_one_network_supplying_most_of_two_is_a_split():
    overlap = {"A3": {"B3": 2, "B4": 3}, "A4": {"B4": 1, "B5": 5}}
    merged, split = _merges_and_splits(overlap, NAMES_A, NAMES_B)
    assert merged == []
    assert split == [
        {
            "network": {"code": "A3", "name": "East"},
            "into": [{"code": "B3", "name": "East One", "shared": 2}, {"code": "B4", "name": "East Two", "shared": 3}],
        }
    ]


def test_unchanged_networks_are_neither():
    assert _merges_and_splits({"A1": {"B1": 4}, "A4": {"B5": 2}}, NAMES_A, NAMES_B) == ([], [])
