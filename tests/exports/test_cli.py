import pyogrio
from click.testing import CliRunner
from PIL import Image

from geo_service.cli import main
from geo_service.demo.generator import REGISTERED


def test_export_command_writes_a_geopackage(demo_db_url, tmp_path):
    out = tmp_path / "demo.gpkg"
    res = CliRunner(env={"DATABASE_URL": demo_db_url}).invoke(
        main,
        ["export", "--scenario", REGISTERED, "--area", "ZA1", "--format", "gpkg", "-o", str(out), "--crs", "27700"],
    )
    assert res.exit_code == 0, res.output
    assert f"wrote {out}" in res.output
    assert "data: as of 1 Oct 2024 · register Oct 2024 · list sizes Oct 2024" in res.output
    assert [name for name, _ in pyogrio.list_layers(str(out))] == ["practices", "networks", "areas", "memberships"]
    assert pyogrio.read_info(str(out), layer="areas")["crs"] == "EPSG:27700"


def test_export_command_bad_format_lists_allowed(demo_db_url, tmp_path):
    res = CliRunner(env={"DATABASE_URL": demo_db_url}).invoke(
        main, ["export", "--scenario", REGISTERED, "--format", "dwg", "-o", str(tmp_path / "x")]
    )
    assert res.exit_code == 1
    assert "Unknown export format 'dwg'. Choose one of: gpkg, geojson, shp, kml, csv." in res.output


def test_print_command(demo_db_url, tmp_path):
    out = tmp_path / "za2.png"
    runner = CliRunner(env={"DATABASE_URL": demo_db_url})
    res = runner.invoke(main, ["print", "--scenario", REGISTERED, "--area", "ZA2", "--dpi", "72", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "data: as of 1 Oct 2024" in res.output
    with Image.open(out) as img:
        assert img.size == (842, 595)
    res = runner.invoke(main, ["print", "--scenario", REGISTERED, "-o", str(out)])
    assert res.exit_code == 2 and "exactly one of --area or --network" in res.output
