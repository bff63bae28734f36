"""Parameter validation: typed values, defaults, scenario overrides, errors naming the parameter."""

from __future__ import annotations

import pytest

from geo_service.analysis.parameters import check_detail, resolve
from geo_service.errors import InvalidParameter


def test_defaults():
    params, origin = resolve(None)
    assert params.min == 30_000 and params.max == 50_000 and params.dominance == 0.5
    assert params.extended_hours == 1.0 and params.cross_boundary_tolerance == 0.05 and params.stale_days == 548
    assert set(origin.values()) == {"default"}


def test_strings_are_parsed_and_typed():
    params, origin = resolve({"min": "25,000", "max": "60000", "dominance": "0.6", "stale_days": "365"})
    assert (params.min, params.max, params.dominance, params.stale_days) == (25_000, 60_000, 0.6, 365)
    assert isinstance(params.min, int) and origin["min"] == "request" and origin["dominance"] == "request"


def test_scenario_overrides_then_request_wins():
    params, origin = resolve({}, {"min_population": 20_000, "max_population": None})
    assert params.min == 20_000 and origin["min"] == "scenario" and origin["max"] == "default"
    params, origin = resolve({"min": 10_000}, {"min_population": 20_000, "max_population": 40_000})
    assert (params.min, params.max) == (10_000, 40_000) and origin["min"] == "request"


@pytest.mark.parametrize(
    ("given", "name", "fragment"),
    [
        ({"min": "abc"}, "min", "must be a number, got 'abc'"),
        ({"max": "1e400"}, "max", "finite"),
        ({"min": "1.5"}, "min", "whole number"),
        ({"min": -1}, "min", "at least 0"),
        ({"dominance": "1.2"}, "dominance", "between 0 and 1"),
        ({"extended_hours": "nan"}, "extended_hours", "finite"),
        ({"cross_boundary_tolerance": "-0.1"}, "cross_boundary_tolerance", "between 0 and 1"),
        ({"stale_days": "soon"}, "stale_days", "must be a number"),
        ({"min": 60_000}, "min", "'min' (60000) must not be greater than 'max' (50000)"),
        ({"max": 20_000}, "max", "'min' (30000) must not be greater than 'max' (20000)"),
        ({"min": 9, "max": 8}, "min", "must not be greater"),
        ({"colour": "red"}, "colour", "Unknown parameter 'colour'"),
        ({"min": True}, "min", "true/false"),
    ],
)
def test_bad_values_name_the_parameter(given, name, fragment):
    with pytest.raises(InvalidParameter) as err:
        resolve(given)
    assert err.value.parameter == name
    assert fragment in err.value.detail
    assert err.value.to_problem()["parameter"] == name and err.value.status == 400


def test_detail():
    assert check_detail(None) == "full" and check_detail("summary") == "summary"
    with pytest.raises(InvalidParameter) as err:
        check_detail("everything")
    assert err.value.parameter == "detail"
