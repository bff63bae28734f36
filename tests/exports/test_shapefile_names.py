from geo_service.analysis.findings import NETWORK_FINDINGS, PRACTICE_FINDINGS
from geo_service.exports.vector import shapefile_field_names


def test_short_names_kept_long_names_abbreviated_and_unique():
    cols = [
        "code",
        "name",
        "cross_boundary_administrative",
        "cross_boundary_member_location",
        "catchment_spill",
        "members_without_list_size",
        "a_very_long_unknown_column_one",
        "a_very_long_unknown_column_two",
        "population",
    ]
    mapping = shapefile_field_names(cols)
    assert mapping["code"] == "code" and mapping["population"] == "population"
    assert mapping["cross_boundary_administrative"] == "x_bnd_adm"
    assert mapping["cross_boundary_member_location"] == "xbndmemloc"
    assert mapping["catchment_spill"] == "cat_spl"
    assert mapping["members_without_list_size"] == "memwolstsz"
    assert mapping["a_very_long_unknown_column_one"] == "averylongu"
    assert mapping["a_very_long_unknown_column_two"] == "averylong1"
    assert all(len(v) <= 10 for v in mapping.values())
    assert len(set(mapping.values())) == len(cols)
    assert shapefile_field_names(cols) == mapping  # deterministic


def test_every_finding_of_the_registry_gets_a_readable_unique_name():
    for keys in (NETWORK_FINDINGS, PRACTICE_FINDINGS):
        cols = ["code", "name", *keys, "findings"]
        mapping = shapefile_field_names(cols)
        assert all(len(v) <= 10 for v in mapping.values())
        assert len(set(mapping.values())) == len(cols)
        # Abbreviated, never cut and numbered: each name is still readable.
        assert not any(v[-1].isdigit() for v in mapping.values()), mapping
    assert shapefile_field_names(["not_in_register"]) == {"not_in_register": "not_in_reg"}
