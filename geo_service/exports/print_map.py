"""Print-ready maps (PNG or PDF, A4/A3, portrait/landscape) of one area or one network, for board papers.

Rendered on the server with geopandas + matplotlib (Agg backend), offline: no browser and no
tiles. The map is drawn in EPSG:27700 (metres), so the scale bar is true and grid north is up.
Colours and symbols are those of the web map (:mod:`geo_service.maps.palette`). Each sheet has
a title, a caption (scenario, boundary set and the scope's data line: "as of 4 Dec 2019 · register
Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019"), a legend, a scale bar, a north
arrow, a findings summary box and the attribution (OGL, OS, NHS Digital). The data line is also the PDF's
Subject and the PNG's Description. The red cross-boundary outline follows the headline cross-boundary
findings of the rule registry (``rules.cross_boundary.HEADLINE_FINDINGS``).

Issue 11: network names are placed on the map without overlap (a name that does not fit becomes its number in
the list); every network is listed, a PDF continuing the list on further pages; flagged networks are marked
(▼ ▲ ◆, thresholds stated); a PDF of an area ends with the findings written for people (the popups' and network
pages' sentences, :mod:`geo_service.analysis.wording`) and the thresholds the checks used.

The Figure is built here, in the caller's process and transaction; it is drawn to pixels (or PDF) in a child
process (:mod:`geo_service.exports.raster`), so the memory of a large raster never stays with a web worker.
How many prints run at once is bounded by the web layer (:mod:`geo_service.exports.print_queue`).
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import matplotlib
import pandas as pd

matplotlib.use("Agg")  # before pyplot: no display, safe in threads of a web server

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrow, Patch, Rectangle  # noqa: E402

from geo_service.analysis import rules  # noqa: E402
from geo_service.analysis.area_summary import Thresholds, area_summary  # noqa: E402
from geo_service.analysis.rules.cross_boundary import HEADLINE_FINDINGS  # noqa: E402
from geo_service.crs import AREA_SRID, STORAGE_SRID, transformer  # noqa: E402
from geo_service.db.repositories import export_layers as repo  # noqa: E402
from geo_service.db.repositories import map_layers  # noqa: E402
from geo_service.exports.formats import page_size_mm  # noqa: E402
from geo_service.exports.layers import build_layer, finding_labels, layer_values, to_frame  # noqa: E402
from geo_service.exports.raster import save_in_child  # noqa: E402
from geo_service.exports.vector import ExportFile  # noqa: E402
from geo_service.maps import palette  # noqa: E402
from geo_service.scope import Scope  # noqa: E402
from geo_service.slugs import slugify  # noqa: E402

log = logging.getLogger(__name__)

MEDIA_TYPES = {"png": "image/png", "pdf": "application/pdf"}
ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 (NHS Digital, NHS England). "
    "Contains OS data © Crown copyright and database right. Source: Office for National Statistics, OGL v3.0."
)
NICE_LENGTHS_M = (100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000)
MAX_NETWORK_ROWS = 18
# From the web map's layer styles (geo_service.maps.layers): network fill, practice radius by list size.
NETWORK_FILL_OPACITY = 0.28
ORPHAN_RADIUS = 10


def practice_radius(list_size) -> float:
    """Marker radius in (Leaflet) pixels: 3 + √list_size / 14, at most 16; 4 when unknown (as the web map)."""
    if list_size is None or pd.isna(list_size):
        return 4.0
    return min(16.0, 3.0 + float(list_size) ** 0.5 / 14)


def _practice_colour(network_codes, colours: dict[str, str]) -> str:
    first = network_codes.split(",")[0] if isinstance(network_codes, str) and network_codes else None
    return colours.get(first, palette.NO_NETWORK) if first else palette.NO_NETWORK


def _crossing(networks) -> pd.Series:
    cols = [c for c in HEADLINE_FINDINGS if c in networks.columns]
    if not cols or not len(networks):
        return pd.Series(False, index=networks.index)
    return networks[cols].fillna(False).astype(bool).any(axis=1)


def _orphaned(practices) -> pd.Series:
    if "orphaned" in practices.columns:
        return practices["orphaned"].fillna(False).astype(bool)
    return practices["network_count"].eq(0)


def figure_size_in(paper: str, orientation: str, fmt: str, dpi: int) -> tuple[float, float]:
    """Figure size in inches. A PNG gets exactly round(mm / 25.4 × dpi) pixels (matplotlib truncates,
    so a quarter pixel is added); a PDF gets the exact paper size."""
    w_mm, h_mm = page_size_mm(paper, orientation)
    if fmt == "png":
        return ((round(w_mm / 25.4 * dpi) + 0.25) / dpi, (round(h_mm / 25.4 * dpi) + 0.25) / dpi)
    return (w_mm / 25.4, h_mm / 25.4)


def expected_pixels(paper: str, orientation: str, dpi: int) -> tuple[int, int]:
    w_mm, h_mm = page_size_mm(paper, orientation)
    return round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi)


PT_MM = 25.4 / 72  # one typographic point in millimetres


def _chars(width_mm: float, font_pt: float, bold: bool = False) -> int:
    """About how many characters of DejaVu Sans fit in ``width_mm`` at ``font_pt``."""
    return max(12, int(width_mm / (font_pt * (0.62 if bold else 0.55) * PT_MM)))


def _wrap(text: str, width_mm: float, font_pt: float, bold: bool = False) -> str:
    return textwrap.fill(text, _chars(width_mm, font_pt, bold), break_on_hyphens=False)


def _height_mm(text: str, font_pt: float, spacing: float = 1.3) -> float:
    return (text.count("\n") + 1) * font_pt * spacing * PT_MM


def caption(scope: Scope) -> str:
    """The sheet's caption under the title: scenario, boundary set and which extracts and dates it shows."""
    return (
        f"Scenario: {scope.scenario['name']}  ·  Boundary set: {scope.boundary_set['name']}  ·  "
        f"Data: {scope.data_line()}"
    )


def _context_areas(conn, scope: Scope, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """All areas of the scope's boundary set that meet the map extent (for outlines), in EPSG:27700."""
    xmin, ymin, xmax, ymax = transformer(AREA_SRID, STORAGE_SRID).transform_bounds(*bounds)
    cols, rows = repo.areas(conn, layer_values(scope, AREA_SRID), (xmin, ymin, xmax, ymax), whole_set=True)
    return to_frame(cols, rows, AREA_SRID)


def _extent(frames: list[gpd.GeoDataFrame], aspect: float) -> tuple[float, float, float, float]:
    """Bounds of the frames with a 6 % margin, widened to the axes' aspect ratio (width / height)."""
    boxes = [f.geometry.dropna().total_bounds for f in frames if f is not None and f.geometry.notna().any()]
    if not boxes:
        return (400_000.0, 200_000.0, 500_000.0, 300_000.0)
    xmin = min(b[0] for b in boxes)
    ymin = min(b[1] for b in boxes)
    xmax = max(b[2] for b in boxes)
    ymax = max(b[3] for b in boxes)
    w, h = max(xmax - xmin, 1_000.0), max(ymax - ymin, 1_000.0)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    w, h = w * 1.12, h * 1.12
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _scale_bar(ax, extent: tuple[float, float, float, float], fs: float) -> None:
    xmin, ymin, xmax, ymax = extent
    width = xmax - xmin
    length = max((n for n in NICE_LENGTHS_M if n <= width / 4), default=NICE_LENGTHS_M[0])
    x0, y0 = xmin + width * 0.04, ymin + (ymax - ymin) * 0.05
    bar_h = (ymax - ymin) * 0.012
    pad = width * 0.012
    ax.add_patch(
        Rectangle(
            (x0 - pad, y0 - pad),
            length + 2 * pad + width * 0.05,
            bar_h + 2 * pad + (ymax - ymin) * 0.035,
            facecolor="white",
            edgecolor="none",
            alpha=0.85,
            zorder=20,
        )
    )
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (x0 + i * length / 4, y0),
                length / 4,
                bar_h,
                facecolor="#212B32" if i % 2 == 0 else "white",
                edgecolor="#212B32",
                linewidth=0.6,
                zorder=21,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length} m"
    ty = y0 + bar_h + (ymax - ymin) * 0.008
    ax.text(x0, ty, "0", fontsize=fs, ha="center", va="bottom", zorder=22)
    ax.text(x0 + length, ty, label, fontsize=fs, ha="center", va="bottom", zorder=22)


def _north_arrow(ax, extent: tuple[float, float, float, float], fs: float) -> None:
    xmin, ymin, xmax, ymax = extent
    w, h = xmax - xmin, ymax - ymin
    x, y = xmax - w * 0.05, ymax - h * 0.16
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            h * 0.08,
            width=w * 0.008,
            head_width=w * 0.028,
            head_length=h * 0.035,
            length_includes_head=True,
            color="#212B32",
            zorder=22,
        )
    )
    ax.text(x, y + h * 0.09, "N", fontsize=fs * 1.5, fontweight="bold", ha="center", va="bottom", zorder=22)


def _findings_lines(practices, networks) -> list[str]:
    """'label: N networks/practices' for every headline finding present on the map, networks first (page 1
    counts the headline tier; geometry and data gaps are on the findings pages and one click away online)."""
    headline = rules.finding_keys(rules.HEADLINE)
    labels = {k: v for k, v in finding_labels().items() if k in headline}
    lines = []
    for df, noun in ((networks, "network"), (practices, "practice")):
        if df is None or "findings" not in df.columns:
            continue
        keys = [c for c in df.columns if c in labels and str(df[c].dtype) == "boolean"]
        for key in keys:
            n = int(df[key].fillna(False).sum())
            if n:
                lines.append(f"{labels[key]}: {n} {noun}{'s' if n != 1 else ''}")
    return lines


def render(
    conn,
    scope: Scope,
    fmt: str,
    paper: str,
    orientation: str,
    dpi: int,
    basemap: tuple[str, str] | None = None,
) -> ExportFile:
    """Render the sheet into a temporary folder and return it as an :class:`ExportFile`.

    ``basemap`` is an optional (tile URL template, attribution): used only when contextily is
    installed and the tiles can be fetched; otherwise the sheet is drawn without one.
    """
    practices = build_layer(conn, scope, "practices", AREA_SRID)
    networks = build_layer(conn, scope, "networks", AREA_SRID)
    # Issue 11: the sheet's counts are the checks' counts for the same scope (one source).
    summary = area_summary(conn, scope) if scope.area is not None else None
    practices.attrs["counts"] = summary.counts() if summary else None
    networks.attrs["thresholds"] = summary.thresholds if summary else None
    codes = list(networks["code"]) if len(networks) else []
    # Touching networks never share a colour (the web map's graph colouring).
    networks.attrs["colours"] = palette.graph_colours(codes, map_layers.network_adjacency(conn, scope.values(), codes))
    focus = build_layer(conn, scope, "areas", AREA_SRID) if scope.area is not None else None

    # A Figure of its own (not pyplot's global state), so that web server threads do not share one.
    fig = Figure(figsize=figure_size_in(paper, orientation, fmt, dpi), dpi=dpi)
    listed = _draw(conn, fig, scope, practices, networks, focus, paper, orientation, basemap, more_pages=fmt == "pdf")
    figures = [fig]
    # Every network is listed (issue 11): a PDF continues the network list on further pages.
    while fmt == "pdf" and listed < len(networks):
        page = Figure(figsize=figure_size_in(paper, orientation, fmt, dpi), dpi=dpi)
        listed += _continuation(page, scope, networks, listed, paper, orientation, len(figures) + 1)
        figures.append(page)
    if fmt == "pdf" and summary is not None:
        # The findings written for people (the popups' and network pages' sentences) and the thresholds.
        from geo_service.analysis import wording
        from geo_service.maps.views import written_findings

        said = written_findings(conn, summary, limit=PRINT_SENTENCES)
        order = [(c, n) for c, n in zip(networks["code"], networks["name"], strict=True)] if len(networks) else []
        paragraphs = _findings_paragraphs(order, said, wording.thresholds((summary.result or {}).get("parameters")))
        while paragraphs:
            page = Figure(figsize=figure_size_in(paper, orientation, fmt, dpi), dpi=dpi)
            paragraphs = _findings_page(page, scope, paragraphs, paper, orientation, len(figures) + 1)
            figures.append(page)
    workdir = Path(tempfile.mkdtemp(prefix="geo-print-"))
    try:
        subject = scope.area["code"] if scope.area is not None else scope.network["code"]
        stamp = date.today().isoformat()
        filename = f"{scope.scenario['slug']}_{slugify(subject)}_{paper}-{orientation}_{stamp}.{fmt}"
        path = workdir / filename
        if fmt == "pdf":
            metadata = {"Title": _title(scope), "Subject": scope.data_line()}
        else:
            metadata = {"Title": _title(scope), "Software": "geo_service", "Description": scope.data_line()}
        save_in_child(figures, path, fmt, dpi, metadata)  # the raster's memory lives and dies in a child process
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return ExportFile(path, filename, MEDIA_TYPES[fmt], workdir, scope.data_line())


def _add_basemap(ax, basemap: tuple[str, str] | None) -> str | None:
    """Draw web tiles under the map if asked for, contextily is installed and the tiles load.

    Returns the tiles' attribution when drawn, else None. Never required: any failure to fetch
    is logged and the sheet is drawn without a basemap.
    """
    if not basemap or importlib.util.find_spec("contextily") is None:
        if basemap:
            log.info("basemap requested but contextily is not installed: printing without one")
        return None
    import contextily

    url, attribution = basemap
    try:
        contextily.add_basemap(ax, crs=f"EPSG:{AREA_SRID}", source=url, attribution=False, zorder=0)
    except (OSError, ValueError, RuntimeError) as exc:  # unreachable tile server, bad template
        log.warning("basemap tiles could not be drawn (%s): printing without one", exc)
        return None
    return attribution


def _title(scope: Scope) -> str:
    if scope.area is not None:
        return f"{scope.area['name']} ({scope.area['code']}): primary care networks"
    net = scope.network
    return f"{net['name']} ({net['code']})"


def _draw(
    conn, fig: Figure, scope, practices, networks, focus, paper: str, orientation: str, basemap, more_pages=False
) -> int:
    """Draw the first sheet; returns how many networks its list holds (the rest go on further pages)."""
    w_mm, h_mm = page_size_mm(paper, orientation)
    fs = 8.5 * (min(w_mm, h_mm) / 210) ** 0.8  # base font size grows gently with the paper
    m = 10 / w_mm  # 10 mm margin, as a fraction of the width
    mh = 10 / h_mm
    landscape = orientation == "landscape"

    # Title block (wrapped to the page width).
    text_w = w_mm - 20
    title = _wrap(_title(scope), text_w, fs * 2.0, bold=True)
    subtitle = _wrap(caption(scope), text_w, fs * 1.05)
    y_mm = 10.0
    fig.text(m, 1 - y_mm / h_mm, title, fontsize=fs * 2.0, fontweight="bold", va="top", color="#212B32")
    y_mm += _height_mm(title, fs * 2.0, 1.2) + 2
    fig.text(m, 1 - y_mm / h_mm, subtitle, fontsize=fs * 1.05, va="top", color="#4C6272", linespacing=1.3)
    y_mm += _height_mm(subtitle, fs * 1.05) + 4
    top = 1 - y_mm / h_mm
    credit = f"Printed {date.today().isoformat()} with geo_service. {ATTRIBUTION}"
    reserve = credit + (f" Basemap: {basemap[1]}." if basemap else "")  # room for a tiles credit if drawn
    bottom = mh + (_height_mm(_wrap(reserve, text_w, fs * 0.72), fs * 0.72) + 3) / h_mm

    # Map frame and side (landscape) or bottom (portrait) panel; a portrait panel takes the height
    # its legend, findings and network list need, between 28 % and 50 % of the sheet.
    if landscape:
        panel_text = _panel_text(fs, (1 - m - 0.68) * w_mm, practices, networks, focus)
        map_box = (m, bottom, 0.66 - m, top - bottom)
        panel_box = (0.68, bottom, 1 - m - 0.68, top - bottom)
    else:
        panel_text = _panel_text(fs, (w_mm - 20) * 0.48, practices, networks, focus)
        rows, _cols = _table_layout(len(networks), landscape)
        need_mm = max(panel_text.legend_mm, panel_text.findings_mm) + 4 + (rows + 4) * _row_mm(fs)
        split = min(max(bottom + need_mm / h_mm + 0.01, 0.28), 0.50)
        map_box = (m, split, 1 - 2 * m, top - split)
        panel_box = (m, bottom, 1 - 2 * m, split - bottom - 0.01)
    ax = fig.add_axes(map_box)
    aspect = (map_box[2] * w_mm) / (map_box[3] * h_mm)

    codes = list(networks["code"]) if len(networks) else []
    colours = networks.attrs.get("colours") or palette.network_colours(codes)
    layers = [focus if focus is not None else networks, practices]
    extent = _extent([f for f in layers if f is not None and len(f)], aspect)
    context = _context_areas(conn, scope, extent)

    # Styles follow the web map (geo_service.maps.layers): Leaflet pixel widths ≈ points × PX.
    px = 0.75 * fs / 8.5
    ax.set_facecolor("#F0F4F5")
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    tiles_credit = _add_basemap(ax, basemap)
    if tiles_credit:
        credit += f" Basemap: {tiles_credit}."
    if focus is not None and len(focus) and not tiles_credit:
        focus.plot(ax=ax, facecolor="white", edgecolor="none", zorder=1)
    if len(context):
        others = context[~context["ods_code"].isin(focus["ods_code"])] if focus is not None else context
        others.plot(ax=ax, facecolor=palette.NEIGHBOUR_OUTLINE, alpha=0.03, edgecolor="none", zorder=1)
        others.boundary.plot(ax=ax, color=palette.NEIGHBOUR_OUTLINE, linewidth=1 * px, linestyle=(0, (4, 4)), zorder=2)
    if len(networks):
        polys = networks[networks.geometry.notna()]
        net_colours = [colours[c] for c in polys["code"]]
        polys.plot(ax=ax, color=net_colours, alpha=NETWORK_FILL_OPACITY, edgecolor="none", zorder=3)
        polys.boundary.plot(ax=ax, color=net_colours, alpha=0.9, linewidth=2 * px, zorder=4)
        crossing = polys[_crossing(polys)]
        if len(crossing):
            crossing.boundary.plot(ax=ax, color=palette.CROSS_BOUNDARY, linewidth=4 * px, zorder=5)
    if focus is not None and len(focus):
        focus.boundary.plot(ax=ax, color=palette.FOCUS_OUTLINE, linewidth=3 * px, zorder=6)

    located = practices[practices.geometry.notna() & ~practices.geometry.is_empty]
    orphan_mask = _orphaned(located)
    members = located[~orphan_mask]
    if len(members):
        ax.scatter(
            members.geometry.x,
            members.geometry.y,
            s=[(2 * practice_radius(v) * px) ** 2 for v in members["list_size"]],
            c=[_practice_colour(codes_, colours) for codes_ in members["network_codes"]],
            alpha=0.9,
            edgecolors="white",
            linewidths=1 * px,
            zorder=10,
        )
    orphans = located[orphan_mask]
    if len(orphans):
        ax.scatter(
            orphans.geometry.x,
            orphans.geometry.y,
            s=(2 * ORPHAN_RADIUS * px) ** 2,
            c=palette.ORPHAN,
            edgecolors="black",
            linewidths=3 * px,
            zorder=12,
        )

    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#425563")
        spine.set_linewidth(0.8)
    _scale_bar(ax, extent, fs)
    _north_arrow(ax, extent, fs)
    if len(networks):
        _place_labels(fig, ax, networks[networks.geometry.notna()], _numbers(networks), fs)

    ax.set_xlabel("")
    ax.set_ylabel("")
    listed = _panel(fig, panel_box, (w_mm, h_mm), fs, landscape, panel_text, networks, colours, more_pages)

    fig.text(m, mh, _wrap(credit, text_w, fs * 0.72), fontsize=fs * 0.72, va="bottom", color="#4C6272",
             linespacing=1.3)  # fmt: skip
    return listed


PRINT_SENTENCES = 6  # written findings per network or practice on the findings pages (the last may say how many more)


def _findings_paragraphs(order, said, threshold_rows) -> list[tuple[str, str]]:
    """(style, text) paragraphs of the findings pages: thresholds first, then each network with findings (in
    the list's order) and its sentences, then practices' findings."""
    out: list[tuple[str, str]] = [("heading", "Thresholds the checks used")]
    out += [("item", f"{label}: {value}") for label, value in threshold_rows]
    out.append(("heading", "Findings, network by network"))
    any_network = False
    for code, name in order:
        sentences = said.get("network", {}).get(code)
        if sentences:
            any_network = True
            out.append(("subject", f"{name} ({code})"))
            out += [("item", t) for t in sentences]
    if not any_network:
        out.append(("item", "No network of the area has a finding."))
    practices = said.get("practice", {})
    if practices:
        out.append(("heading", "Findings about practices"))
        for code in sorted(practices):
            out += [("item", t) for t in practices[code]]
    return out


@dataclass(frozen=True)
class _Sheet:
    """A further sheet's frame: its size (mm), base font size, margin (figure fraction), text width (mm), where
    the body may start (mm from the top) and the height of the credit line at its foot (mm)."""

    w_mm: float
    h_mm: float
    fs: float
    m: float
    text_w: float
    top_mm: float
    credit_mm: float


def _sheet(fig: Figure, scope, heading: str, paper: str, orientation: str) -> _Sheet:
    """Draw what every further sheet (network list continued, findings) carries: title, data line, credit."""
    w_mm, h_mm = page_size_mm(paper, orientation)
    fs = 8.5 * (min(w_mm, h_mm) / 210) ** 0.8
    m, mh = 10 / w_mm, 10 / h_mm
    text_w = w_mm - 20
    title = _wrap(heading, text_w, fs * 1.5, bold=True)
    fig.text(m, 1 - mh, title, fontsize=fs * 1.5, fontweight="bold", va="top", color="#212B32")
    y_mm = 10 + _height_mm(title, fs * 1.5, 1.2) + 2
    subtitle = _wrap(caption(scope), text_w, fs * 1.05)
    fig.text(m, 1 - y_mm / h_mm, subtitle, fontsize=fs * 1.05, va="top", color="#4C6272", linespacing=1.3)
    y_mm += _height_mm(subtitle, fs * 1.05) + 4
    credit = _wrap(f"Printed {date.today().isoformat()} with geo_service. {ATTRIBUTION}", text_w, fs * 0.72)
    fig.text(m, mh, credit, fontsize=fs * 0.72, va="bottom", color="#4C6272", linespacing=1.3)
    return _Sheet(w_mm, h_mm, fs, m, text_w, y_mm, _height_mm(credit, fs * 0.72))


def _findings_page(fig: Figure, scope, paragraphs, paper: str, orientation: str, page_no: int) -> list:
    """One sheet of written findings; returns the paragraphs that did not fit (for the next sheet)."""
    sheet = _sheet(fig, scope, f"{_title(scope)}: findings (page {page_no})", paper, orientation)
    w_mm, h_mm, fs, m, text_w, y_mm = sheet.w_mm, sheet.h_mm, sheet.fs, sheet.m, sheet.text_w, sheet.top_mm
    floor_mm = h_mm - 10 - sheet.credit_mm - 4
    styles = {
        "heading": (fs * 1.15, "bold", 0.0, 2.5),
        "subject": (fs, "bold", 0.0, 1.5),
        "item": (fs * 0.9, None, 4.0, 0.6),
    }
    rest = list(paragraphs)
    while rest:
        style, text = rest[0]
        size, weight, indent, before = styles[style]
        body = _wrap(("• " if style == "item" else "") + text, text_w - indent, size, bold=weight == "bold")
        if style == "item":
            body = body.replace("\n", "\n   ")
        need = before + _height_mm(body, size)
        if y_mm + need > floor_mm and y_mm > 40:
            break
        y_mm += before
        fig.text(m + indent / w_mm, 1 - y_mm / h_mm, body, fontsize=size, fontweight=weight or "normal", va="top",
                 color="#212B32", linespacing=1.3)  # fmt: skip
        y_mm += _height_mm(body, size)
        rest.pop(0)
    return rest


def _continuation(fig: Figure, scope, networks, start: int, paper: str, orientation: str, page_no: int) -> int:
    """A further sheet of the network list (same paper, same columns and marks); returns how many it holds."""
    sheet = _sheet(fig, scope, f"{_title(scope)} (continued, page {page_no})", paper, orientation)
    w_mm, h_mm, fs, m = sheet.w_mm, sheet.h_mm, sheet.fs, sheet.m
    bottom = 10 / h_mm + (sheet.credit_mm + 3) / h_mm
    box = (m, bottom, 1 - 2 * m, 1 - sheet.top_mm / h_mm - bottom)
    colours = networks.attrs.get("colours") or palette.network_colours(list(networks["code"]))
    rest = networks.iloc[start:]
    rest.attrs = networks.attrs
    return _network_table(fig, box, (w_mm, h_mm), fs, orientation == "landscape", rest, colours,
                          networks.attrs.get("thresholds"), more_pages=True, first=start + 1)  # fmt: skip


def _numbers(networks) -> dict[str, int]:
    """Each network's number in the sheet's list (1, 2, ...): the key of a map label too long to place."""
    return {code: i + 1 for i, code in enumerate(networks["code"])}


def _place_labels(fig, ax, polys, numbers: dict[str, int], fs: float) -> None:
    """Network names on the map without overlap (issue 11): largest population first, each name (two lines at
    most) at its polygon's representative point; a name that would overlap one already placed or leave the map
    becomes its number in the list (a numbered key); a number that would overlap too is left out (the list
    still has the network). Measured with an Agg renderer at 72 dpi."""
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    # Measured at 72 dpi (sizes scale with dpi, overlaps do not): a renderer at the sheet's own dpi would hold
    # the whole raster (278 MB at A3 600 dpi) in this process, which the child-process drawing avoids.
    dpi = fig.dpi
    fig.set_dpi(72)
    try:
        renderer = FigureCanvasAgg(fig).get_renderer()
        ax.apply_aspect()
        frame = ax.get_window_extent(renderer)
        placed = []
        style = {
            "ha": "center",
            "va": "center",
            "color": "#212B32",
            "zorder": 13,
            "linespacing": 1.1,
            "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
        }
        order = polys.sort_values(["population", "code"], ascending=[False, True]) if "population" in polys else polys
        for _, row in order.iterrows():
            pt = row.geometry.representative_point()
            name = textwrap.fill(
                str(row["name"]),
                max(12, (len(str(row["name"])) + 1) // 2 + 4),
                max_lines=2,
                placeholder="…",
                break_long_words=False,
            )
            for text, size in ((name, fs * 0.72), (str(numbers.get(row["code"], "")), fs * 0.8)):
                artist = ax.text(pt.x, pt.y, text, fontsize=size, **style)
                box = artist.get_window_extent(renderer).expanded(1.08, 1.15)
                inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
                if inside and not any(box.overlaps(other) for other in placed):
                    placed.append(box)
                    artist.set_gid(f"label-{row['code']}")
                    break
                artist.remove()
    finally:
        fig.set_dpi(dpi)
        FigureCanvasBase(fig)  # drop the measuring canvas and its buffer


def _legend_handles(fs: float, practices, networks, focus) -> list:
    """Legend entries for what is on the sheet, with the web map's titles and symbols."""
    px = 0.75 * fs / 8.5
    handles = [
        Patch(
            facecolor="white",
            edgecolor=palette.NEIGHBOUR_OUTLINE,
            linestyle=(0, (4, 4)),
            linewidth=1 * px,
            label="Neighbouring areas" if focus is not None else "Areas",
        ),  # fmt: skip
    ]
    if focus is not None and len(focus):
        handles.insert(0, Line2D([], [], color=palette.FOCUS_OUTLINE, linewidth=3 * px,
                                 label=f"{focus['name'].iloc[0]} boundary"))  # fmt: skip
    if len(networks):
        handles.append(
            Patch(
                facecolor=palette.NETWORK_COLOURS[0],
                alpha=NETWORK_FILL_OPACITY + 0.1,
                edgecolor=palette.NETWORK_COLOURS[0],
                linewidth=2 * px,
                label="Networks (polygon, or hull of its members)",
            )  # fmt: skip
        )
        if _crossing(networks).any():
            handles.append(
                Line2D([], [], color=palette.CROSS_BOUNDARY, linewidth=4 * px, label="Cross-boundary networks")
            )
    if len(practices):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor=palette.NETWORK_COLOURS[1],
                markeredgecolor="white",
                markersize=2 * 7 * px,
                label="Practices (size: list size)",
            )  # fmt: skip
        )
    if _orphaned(practices).any():
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                linestyle="none",
                markerfacecolor=palette.ORPHAN,
                markeredgecolor="black",
                markeredgewidth=3 * px,
                markersize=2 * ORPHAN_RADIUS * px,
                label="Orphaned practices (in no network)",
            )  # fmt: skip
        )
    return handles


@dataclass
class PanelText:
    """Legend and findings text, wrapped to a column, with the heights they need (mm)."""

    handles: list
    legend_mm: float
    head: str
    body: str
    title_mm: float
    head_mm: float
    findings_mm: float


def _panel_text(fs: float, col_mm: float, practices, networks, focus) -> PanelText:
    handles = _legend_handles(fs, practices, networks, focus)
    for handle in handles:
        handle.set_label(_wrap(handle.get_label(), col_mm - 12, fs))
    legend_rows = sum(hd.get_label().count("\n") + 1 for hd in handles)
    legend_mm = (1.6 + 1.55 * legend_rows) * fs * PT_MM + 2

    inner_mm = col_mm * 0.92
    lines = _findings_lines(practices, networks)
    population = networks["population"].sum() if len(networks) else 0
    counts = practices.attrs.get("counts")
    n_net = counts["networks"] if counts else len(networks)
    n_prac = counts["practices"] if counts else len(practices)
    where = " in the area" if counts else ""
    head = _wrap(
        f"{n_net:,} network{'s' if n_net != 1 else ''} · {n_prac:,} practice"
        f"{'s' if n_prac != 1 else ''}{where} · {int(population):,} registered patients",
        inner_mm,
        fs * 0.9,
    )
    body = (
        "\n".join(_wrap(f"• {line}", inner_mm, fs * 0.9).replace("\n", "\n   ") for line in lines)
        if lines
        else _wrap("No findings for the networks and practices shown.", inner_mm, fs * 0.9)
    )
    title_mm = _height_mm("x", fs * 1.15) + 1.5
    head_mm = _height_mm(head, fs * 0.9) + 1.5
    findings_mm = 2.5 + title_mm + head_mm + _height_mm(body, fs * 0.9) + 2.5
    return PanelText(handles, legend_mm, head, body, title_mm, head_mm, findings_mm)


def _table_layout(n_networks: int, landscape: bool) -> tuple[int, int]:
    """(rows, columns) of the network list (every network is listed, issue 11): portrait sheets use two
    columns from 7 networks and three from 31; landscape two from 19."""
    shown = n_networks
    if landscape:
        cols = 2 if shown > MAX_NETWORK_ROWS else 1
    else:
        cols = 3 if shown > 30 else 2 if shown > 6 else 1
    rows = -(-shown // cols)
    return min(rows, MAX_NETWORK_ROWS) if rows > MAX_NETWORK_ROWS and not landscape else rows, cols


def _row_mm(fs: float) -> float:
    return fs * 0.82 * 1.45 * PT_MM


def _panel(fig, box, page_mm, fs, landscape, text: PanelText, networks, colours, more_pages=False) -> int:
    """Legend, findings summary box and the list of networks shown; returns how many networks it lists."""
    x, y, w, h = box
    gap_mm = 4.0

    def frac(mm: float) -> float:
        return mm / page_mm[1]

    if landscape:
        legend_box = (x, y + h - frac(text.legend_mm), w, frac(text.legend_mm))
        findings_box = (x, legend_box[1] - frac(gap_mm + text.findings_mm), w, frac(text.findings_mm))
        table_top = findings_box[1] - frac(gap_mm)
    else:
        top_mm = max(text.legend_mm, text.findings_mm)
        legend_box = (x, y + h - frac(text.legend_mm), w * 0.48, frac(text.legend_mm))
        findings_box = (x + w * 0.52, y + h - frac(text.findings_mm), w * 0.48, frac(text.findings_mm))
        table_top = y + h - frac(top_mm + gap_mm)
    table_box = (x, y, w, max(table_top - y, frac(10)))

    lax = fig.add_axes(legend_box)
    lax.axis("off")
    lax.legend(
        handles=text.handles, loc="upper left", fontsize=fs,
        title="Legend", title_fontsize=fs * 1.15, frameon=False, alignment="left", borderaxespad=0,
    )  # fmt: skip

    fax = fig.add_axes(findings_box)
    fax.set_xticks([])
    fax.set_yticks([])
    fax.set_facecolor("#FFF9EC")
    for spine in fax.spines.values():
        spine.set_edgecolor(palette.ORPHAN)
        spine.set_linewidth(1.5)
    at = 1 - 2.5 / text.findings_mm
    fax.text(0.03, at, "Findings summary", fontsize=fs * 1.15, fontweight="bold", va="top", transform=fax.transAxes)
    at -= text.title_mm / text.findings_mm
    fax.text(0.03, at, text.head, fontsize=fs * 0.9, va="top", transform=fax.transAxes, color="#4C6272",
             linespacing=1.3)  # fmt: skip
    at -= text.head_mm / text.findings_mm
    fax.text(0.03, at, text.body, fontsize=fs * 0.9, va="top", transform=fax.transAxes, linespacing=1.3)

    return _network_table(fig, table_box, page_mm, fs, landscape, networks, colours,
                          networks.attrs.get("thresholds"), more_pages=more_pages)  # fmt: skip


def _network_table(
    fig, box, page_mm, fs, landscape, networks, colours, thresholds=None, more_pages=False, first=1
) -> int:
    """The network list with flag marks; returns how many rows it holds. With ``more_pages`` (a PDF) the rows
    shrink less and what does not fit goes on the next page; a PNG shrinks its rows further and says what is
    left out. ``first`` numbers the rows on a continuation page."""
    thresholds = thresholds or Thresholds(30_000, 50_000, 0.5)
    tax = fig.add_axes(box)
    tax.axis("off")
    heading = "Networks shown" if first == 1 else f"Networks shown (continued from no. {first - 1})"
    tax.text(0, 1, heading, fontsize=fs * 1.15, fontweight="bold", va="top", transform=tax.transAxes)
    h_mm = box[3] * page_mm[1]
    _rows, cols = _table_layout(len(networks), landscape)
    if more_pages and first == 1:
        # A PDF has further pages: readable columns (one beside a landscape map, two under a portrait one)
        # rather than more, cut-off ones.
        cols = min(cols, 1 if landscape else 2)
    if first > 1:  # a continuation page has the whole sheet: as many columns as the first page's table
        cols = 2 if landscape or len(networks) > 6 else 1
    rows = -(-len(networks) // cols) if len(networks) else 0
    floor = 0.8 if more_pages else 0.45
    # Every network is listed: the rows shrink (down to 45 % of the body size) until they all fit.
    scale = 1.0
    while scale > floor and rows and (h_mm - 3.7 * _row_mm(fs * scale)) // _row_mm(fs * scale) < rows:
        scale -= 0.05
    row_mm = _row_mm(fs * scale)
    rows = max(0, min(rows, int((h_mm - 3.7 * row_mm) // row_mm)))
    shown = networks.head(rows * cols) if len(networks) else networks
    tfs = fs * 0.82 * scale
    col_w = 1.0 / cols
    gutter = 0.04 if cols > 1 else 0.0
    total = _chars(box[2] * page_mm[0] * (col_w - gutter) * 0.93, tfs, bold=True)  # names are often capitals

    def y_of(i: float) -> float:
        return 1 - (2.7 + i) * row_mm / h_mm

    for c in range(cols if len(shown) else 0):
        x0, x1 = c * col_w, (c + 1) * col_w - gutter
        tax.text(x0 + 0.05 * col_w, y_of(-1.1), "Network", fontsize=tfs, fontweight="bold", va="center",
                 transform=tax.transAxes)  # fmt: skip
        tax.text(x1, y_of(-1.1), "Practices · patients", fontsize=tfs, fontweight="bold", ha="right", va="center",
                 transform=tax.transAxes)  # fmt: skip
    for i, (_, row) in enumerate(shown.iterrows()):
        c, r = divmod(i, rows) if rows else (0, i)
        x0, x1 = c * col_w, (c + 1) * col_w - gutter
        ty = y_of(r)
        tax.add_patch(
            Rectangle(
                (x0, ty - 0.3 * row_mm / h_mm),
                0.035 * col_w,
                0.6 * row_mm / h_mm,
                transform=tax.transAxes,
                color=colours[row["code"]],
            )  # fmt: skip
        )
        pop = "unknown" if pd.isna(row["population"]) else f"{int(row['population']):,}"
        stats = f"{row['member_count']} · {pop}"
        marks = _flag_marks(row, thresholds)
        label = f"{first + i}. {marks}{row['code']}  {row['name']}"
        room = total - len(stats) - 3
        if len(label) > room:
            label = label[: max(room - 1, 6)] + "…"
        tax.text(x0 + 0.05 * col_w, ty, label, fontsize=tfs, va="center", transform=tax.transAxes)
        tax.text(x1, ty, stats, fontsize=tfs, ha="right", va="center", transform=tax.transAxes)
    if len(networks) > len(shown):
        left = len(networks) - len(shown)
        note = (
            f"The list continues on the next page ({left} network{'s' if left != 1 else ''} more)."
            if more_pages
            else f"{left} more networks did not fit: print as PDF (further pages) or on A3"
        )
        tax.text(0.0, y_of(rows), note, fontsize=tfs, va="center", transform=tax.transAxes)
    tax.text(0.0, y_of(rows + (1 if len(networks) > len(shown) else 0)) - 0.2 * row_mm / h_mm,
             f"▼ below {thresholds.min:,}  ▲ above {thresholds.max:,} patients  ◆ largest member over "
             f"{thresholds.dominance * 100:.1f} %" + _other_flags_legend(), fontsize=tfs, va="top",
             transform=tax.transAxes)  # fmt: skip
    return len(shown)


_LEGEND_LINE_FLAGS = ("undersized", "oversized", "dominated", "cross_boundary")


def _other_flags_legend() -> str:
    """The legend line's words for the other headline flags (a rule's flag added later is explained too)."""
    labels = finding_labels()
    return "".join(
        f"  {f.symbol} {labels.get(sorted(f.findings)[0], f.key).lower()}"
        for f in rules.flags()
        if f.key not in _LEGEND_LINE_FLAGS
    )


def _flag_marks(row, thresholds) -> str:
    """Symbols before a network's code in the list: the headline rules' flags whose findings the row has
    (▼ undersized, ▲ oversized, ◆ dominated, …; the legend line under the list states the thresholds)."""
    marks = ""
    for flag in rules.flags():
        if flag.key == "cross_boundary":
            continue  # drawn as the red outline, and said in the findings box
        if any(k in row.index and not pd.isna(row[k]) and bool(row[k]) for k in flag.findings):
            marks += flag.symbol
    return marks + " " if marks else ""
