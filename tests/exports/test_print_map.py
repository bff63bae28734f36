"""Print maps: pixel size for paper × dpi, PDF page size, and a rendering kept for a person to look at."""

from __future__ import annotations

import shutil

import pytest
from PIL import Image
from pypdf import PdfReader

from geo_service.analysis.findings import FINDING_LABELS
from geo_service.demo.generator import PROPOSAL, REGISTERED
from geo_service.errors import InvalidParameter, NotFound
from geo_service.exports import service
from geo_service.exports.print_map import caption, expected_pixels
from geo_service.scope import resolve_scope

MM_TO_PT = 72 / 25.4


@pytest.mark.parametrize(
    "paper, orientation, dpi, size",
    [("a4", "landscape", 150, (1754, 1240)), ("a4", "portrait", 96, (794, 1123)), ("a3", "portrait", 72, (842, 1191))],
)
def test_png_has_the_pixel_size_of_paper_and_dpi(demo_conn, paper, orientation, dpi, size):
    assert expected_pixels(paper, orientation, dpi) == size
    result = service.print_map(demo_conn, REGISTERED, "area", "ZA3", "png", paper, orientation, dpi)
    try:
        with Image.open(result.path) as img:
            assert img.format == "PNG"
            assert img.size == size
            assert round(img.info["dpi"][0]) == dpi
        assert result.media_type == "image/png"
        assert result.filename == f"{REGISTERED}_za3_{paper}-{orientation}_{result.filename.rsplit('_', 1)[1]}"
    finally:
        result.cleanup()


def test_png_default_is_300_dpi_a4_landscape(demo_conn):
    result = service.print_map(demo_conn, PROPOSAL, "area", "ZA1", "png")
    try:
        with Image.open(result.path) as img:
            assert img.size == (3508, 2480)
    finally:
        result.cleanup()


@pytest.mark.parametrize("paper, orientation, mm", [("a4", "portrait", (210, 297)), ("a3", "landscape", (420, 297))])
def test_pdf_has_the_page_size(demo_conn, paper, orientation, mm):
    result = service.print_map(demo_conn, REGISTERED, "network", "UZ0010", "pdf", paper, orientation)
    try:
        reader = PdfReader(result.path)
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert float(box.width) == pytest.approx(mm[0] * MM_TO_PT, abs=0.5)
        assert float(box.height) == pytest.approx(mm[1] * MM_TO_PT, abs=0.5)
        text = reader.pages[0].extract_text()
        assert "UZ0010" in text and "Findings summary" in text and "Open Government Licence" in text
        flat = " ".join(text.split())
        # the planted cross-boundary network, by its label in the rule registry
        assert f"{FINDING_LABELS['cross_boundary_administrative']}: 1 network" in flat
        assert "Cross-boundary networks" in flat  # its red outline, in the legend
        line = resolve_scope(demo_conn, REGISTERED).data_line()
        assert f"Data: {line}" in flat  # the sheet says which extracts and dates it shows
        assert "Data as of" not in flat
        assert reader.metadata["/Subject"] == line
        assert result.data_line == line
    finally:
        result.cleanup()


def test_demo_area_rendering_is_saved_as_an_artifact(demo_conn, artifacts_dir):
    """Kept in test-artifacts/ for a person to look at (legend, scale bar, north arrow, title)."""
    for scenario, code, orientation in [(PROPOSAL, "ZA4", "landscape"), (REGISTERED, "ZA3", "portrait")]:
        result = service.print_map(demo_conn, scenario, "area", code, "png", "a4", orientation, 150)
        target = artifacts_dir / f"print_{scenario}_{code}_{orientation}.png"
        shutil.copyfile(result.path, target)
        result.cleanup()
        with Image.open(target) as img:
            assert img.size == expected_pixels("a4", orientation, 150)
            colours = img.convert("RGB").getcolors(maxcolors=1_000_000)
            assert len(colours) > 50  # a drawn map, not a blank page


def test_print_errors(demo_conn):
    with pytest.raises(NotFound):
        service.print_map(demo_conn, REGISTERED, "area", "ZZ9", "png")
    with pytest.raises(NotFound):
        service.print_map(demo_conn, REGISTERED, "network", "U99999", "png")
    with pytest.raises(NotFound):
        service.print_map(demo_conn, "nope", "area", "ZA1", "png")
    with pytest.raises(InvalidParameter) as err:
        service.print_map(demo_conn, REGISTERED, "area", "ZA1", "png", paper="a5")
    assert err.value.extra["allowed"] == ["a4", "a3"]


def test_basemap_is_never_required(demo_conn, caplog):
    """Asked for a basemap without contextily installed (or tiles unreachable), the sheet is still drawn."""
    import importlib.util

    caplog.set_level("INFO", logger="geo_service.exports")  # the map is drawn in print_cartography
    result = service.print_map(
        demo_conn, REGISTERED, "area", "ZA1", "png", dpi=72, basemap=("http://127.0.0.1:9/{z}/{x}/{y}.png", "Tiles")
    )
    try:
        with Image.open(result.path) as img:
            assert img.size == expected_pixels("a4", "landscape", 72)
    finally:
        result.cleanup()
    if importlib.util.find_spec("contextily") is None:
        assert "contextily is not installed" in caplog.text
    else:
        assert "could not be drawn" in caplog.text


def test_caption_names_scenario_boundary_set_and_data_line(demo_conn):
    scope = resolve_scope(demo_conn, PROPOSAL, area="ZA1")
    text = caption(scope)
    assert text.startswith(f"Scenario: {scope.scenario['name']}  ·  Boundary set: {scope.boundary_set['name']}")
    assert text.endswith(f"Data: {scope.data_line()}")
    assert "as of 1 Oct 2024" in text and "boundaries Apr 2019" in text and "synthetic demo data" in text


def test_png_carries_the_data_line(demo_conn):
    result = service.print_map(demo_conn, REGISTERED, "area", "ZA1", "png", dpi=72)
    try:
        with Image.open(result.path) as img:
            assert img.info["Description"] == resolve_scope(demo_conn, REGISTERED).data_line()
    finally:
        result.cleanup()
