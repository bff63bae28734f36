import pytest

from geo_service.embeds.snippet import iframe_html
from geo_service.embeds.views import DEFAULT_HEIGHT, parse_version, parse_view
from geo_service.errors import InvalidParameter


def test_view_key_is_canonical_whatever_the_parameter_order():
    a = parse_view("s", "area", "ZA1", {"legend": "off", "layers": "practices,networks", "basemap": "on"})
    b = parse_view("s", "area", "ZA1", {"layers": "networks,practices,networks", "legend": "0"})
    assert a.key == b.key == "/embed/s/areas/ZA1?layers=networks%2Cpractices&legend=off"
    assert parse_view("s", "network", "U1", {}).key == "/embed/s/networks/U1"
    assert parse_view("s", "network", "U1", {}).height == DEFAULT_HEIGHT


@pytest.mark.parametrize(
    ("args", "parameter"),
    [
        ({"legend": "maybe"}, "legend"),
        ({"basemap": "2"}, "basemap"),
        ({"height": "tall"}, "height"),
        ({"height": "10"}, "height"),
        ({"layers": "practices,<script>"}, "layers"),
    ],
)
def test_bad_view_parameters_name_the_parameter(args, parameter):
    with pytest.raises(InvalidParameter) as err:
        parse_view("s", "area", "ZA1", args)
    assert err.value.parameter == parameter


def test_bad_kind_and_version():
    with pytest.raises(InvalidParameter) as err:
        parse_view("s", "practice", "X", {})
    assert err.value.parameter == "kind"
    with pytest.raises(InvalidParameter) as err:
        parse_version("v3")
    assert err.value.parameter == "version"
    assert parse_version("12") == 12 and parse_version(None) is None


def test_snippet_is_a_private_lazy_responsive_iframe_with_escaped_title():
    view = parse_view("demo-as-registered", "area", "ZA1", {"legend": "off"})
    html = iframe_html("http://127.0.0.1:5000", view, 7, 'A "quoted" <name>')
    assert html.startswith(
        '<iframe src="http://127.0.0.1:5000/embed/demo-as-registered/areas/ZA1?legend=off&amp;version=7"'
    )
    for attr in (
        'loading="lazy"',
        "allowfullscreen",
        'referrerpolicy="strict-origin-when-cross-origin"',
        'width="100%"',
        'title="Map: A &quot;quoted&quot; &lt;name&gt;"',
    ):
        assert attr in html


def test_view_key_is_canonical_whatever_the_case():
    a = parse_view("Demo-As-Registered", "area", "za1", {"boundary_set": "Demo-CCG"})
    assert a.key == "/embed/demo-as-registered/areas/ZA1?boundary_set=demo-ccg"
    assert a.key == parse_view("demo-as-registered", "area", "ZA1", {"boundary_set": "demo-ccg"}).key
