from geo_service.exports.vector import shapefile_field_names


def test_short_names_kept_long_names_abbreviated_and_unique():
    cols = [
        "code",
        "name",
        "cross_boundary_administrative",
        "cross_boundary_geographic",
        "members_without_list_size",
        "a_very_long_unknown_column_one",
        "a_very_long_unknown_column_two",
        "population",
    ]
    mapping = shapefile_field_names(cols)
    assert mapping["code"] == "code" and mapping["population"] == "population"
    assert mapping["cross_boundary_administrative"] == "x_bnd_adm"
    assert mapping["cross_boundary_geographic"] == "x_bnd_geo"
    assert mapping["members_without_list_size"] == "memwolstsz"
    assert mapping["a_very_long_unknown_column_one"] == "averylongu"
    assert mapping["a_very_long_unknown_column_two"] == "averylong1"
    assert all(len(v) <= 10 for v in mapping.values())
    assert len(set(mapping.values())) == len(cols)
    assert shapefile_field_names(cols) == mapping  # deterministic
