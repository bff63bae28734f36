import pytest

from geo_service.errors import InvalidParameter
from geo_service.exports import formats


def test_parse_format_lists_allowed_values():
    assert formats.parse_format("GPKG").driver == "GPKG"
    with pytest.raises(InvalidParameter) as err:
        formats.parse_format("dxf")
    assert err.value.parameter == "format"
    assert err.value.extra["allowed"] == ["gpkg", "geojson", "shp", "kml", "csv"]


@pytest.mark.parametrize(
    "value, srid", [(None, 4326), ("", 4326), ("4326", 4326), ("27700", 27700), ("EPSG:27700", 27700)]
)
def test_parse_crs(value, srid):
    assert formats.parse_crs(value, formats.FORMATS["gpkg"]) == srid


def test_parse_crs_rejects_unknown_and_format_limits():
    with pytest.raises(InvalidParameter) as err:
        formats.parse_crs("3857", formats.FORMATS["gpkg"])
    assert err.value.extra["allowed"] == [4326, 27700]
    with pytest.raises(InvalidParameter) as err:
        formats.parse_crs("27700", formats.FORMATS["geojson"])
    assert err.value.parameter == "crs" and err.value.extra["allowed"] == [4326]
    assert "always EPSG:4326" in err.value.detail


def test_parse_layers():
    assert formats.parse_layers(None, formats.FORMATS["gpkg"]) == ("practices", "networks", "areas", "memberships")
    assert formats.parse_layers("networks,practices", formats.FORMATS["shp"]) == ("networks", "practices")
    assert formats.parse_layers("networks", formats.FORMATS["geojson"]) == ("networks",)
    with pytest.raises(InvalidParameter) as err:
        formats.parse_layers(None, formats.FORMATS["geojson"])
    assert err.value.parameter == "layer"
    with pytest.raises(InvalidParameter):
        formats.parse_layers("practices,networks", formats.FORMATS["csv"])
    with pytest.raises(InvalidParameter) as err:
        formats.parse_layers("memberships", formats.FORMATS["kml"])
    assert err.value.extra["allowed"] == ["practices", "networks", "areas"]
    with pytest.raises(InvalidParameter) as err:
        formats.parse_layers("roads", formats.FORMATS["gpkg"])
    assert err.value.extra["allowed"] == ["practices", "networks", "areas", "memberships"]


def test_print_parameters():
    assert formats.parse_paper(None) == "a4" and formats.parse_orientation(None) == "landscape"
    assert formats.parse_dpi(None) == 300 and formats.parse_dpi("150") == 150
    assert formats.page_size_mm("a3", "landscape") == (420, 297)
    for parse, bad, param in [
        (formats.parse_paper, "letter", "paper"),
        (formats.parse_orientation, "sideways", "orientation"),
        (formats.parse_dpi, "1200", "dpi"),
        (formats.parse_dpi, "abc", "dpi"),
        (formats.parse_print_format, "svg", "format"),
    ]:
        with pytest.raises(InvalidParameter) as err:
            parse(bad)
        assert err.value.parameter == param and err.value.extra["allowed"]
