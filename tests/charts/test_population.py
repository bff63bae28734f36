"""Server-drawn charts: valid SVG with a title and description, readable without colour, escaped text."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from geo_service.charts import member_shares_svg, population_distribution_svg

SVG = "{http://www.w3.org/2000/svg}"
XSS = "<img src=x onerror=alert(1)>"


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(re.search(r"<svg.*</svg>", str(markup), re.S).group(0))


def test_distribution_counts_against_the_band():
    pops = [12_000, 27_412, 33_000, 41_000, 45_000, 52_000, 60_488]
    out = population_distribution_svg(pops, (30_000, 50_000), "West Kent networks")
    svg = _svg(out)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "West Kent networks"
    desc = svg.find(f"{SVG}desc").text
    assert desc == "7 networks: 2 below 30,000 patients, 3 within the band 30,000–50,000, 2 above 50,000."
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Band 30,000–50,000" in texts and "minimum" in texts and "maximum" in texts
    # Without colour: below and above the band are drawn with patterns, the key says which.
    fills = {r.get("fill") for r in svg.iter(f"{SVG}rect")}
    assert any("below" in (f or "") for f in fills) and any("above" in (f or "") for f in fills)
    assert {"below the band", "in the band", "above"} <= set(texts)
    # The same numbers as a table.
    assert "<table" in out and "<td>25,000–29,999</td><td>1</td>" in out
    assert len(str(out).encode()) < 12_000


def test_distribution_of_nothing_still_draws():
    out = population_distribution_svg([], None)
    assert "0 networks" in _svg(out).find(f"{SVG}desc").text


def test_member_shares_escape_names_and_mark_dominance():
    out = member_shares_svg(
        [
            {"code": "G1", "name": XSS, "list_size": 18_910},
            {"code": "G2", "name": "B", "list_size": 7_708},
            {"code": "G3", "name": "C", "list_size": None},
        ],
        0.5,
    )
    assert XSS not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    svg = _svg(out)
    texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "71.0 % · 18,910 (dominant)" in texts and "29.0 % · 7,708" in texts
    assert "list size not known" in texts and "dominance 50 %" in texts
    assert "holds 71.0 %" in svg.find(f"{SVG}desc").text
