"""Print-ready maps (PNG or PDF, A4/A3, portrait/landscape) of one area or one network, for board papers.

Rendered on the server with geopandas + matplotlib (Agg backend), offline: no browser and no tiles. Each sheet
has a title, a caption (scenario, boundary set and the scope's data line: "as of 4 Dec 2019 · register Dec 2019 ·
list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019"), the map (:mod:`.print_cartography`), a legend, a
findings summary box, the list of networks with their key colours and the attribution
(:mod:`.print_typesetting`); a PDF continues the list and writes every finding out on further sheets. The data
line is also the PDF's Subject and the PNG's Description. What the sheets show is fetched once
(:mod:`.print_data`).

Where it runs: the web layer never builds a print in a request-serving worker. It asks :mod:`.raster` to run the
whole print (data, figure, file) in a child process at low CPU priority, behind the machine-wide bound of
:mod:`.print_queue`, and keeps the file per scenario data version (:mod:`.print_store`). The CLI calls
:func:`render` in its own process; the figure is still drawn to pixels in a child (:func:`.raster.save_in_child`)
so the memory of a large raster never stays with a long-lived process.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, safe in threads of a web server

from matplotlib.figure import Figure  # noqa: E402

from geo_service.exports import print_cartography as carto  # noqa: E402
from geo_service.exports import print_typesetting as text  # noqa: E402
from geo_service.exports.formats import PRINT_MEDIA_TYPES, page_size_mm  # noqa: E402
from geo_service.exports.print_data import PrintData, gather  # noqa: E402
from geo_service.exports.raster import save_in_child  # noqa: E402
from geo_service.exports.vector import ExportFile  # noqa: E402
from geo_service.scope import Scope  # noqa: E402
from geo_service.slugs import slugify  # noqa: E402

caption = text.caption  # the sheet's caption (tests and callers name it here)


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


def file_name(scope: Scope, fmt: str, paper: str, orientation: str) -> str:
    subject = scope.area["code"] if scope.area is not None else scope.network["code"]
    stamp = date.today().isoformat()
    return f"{scope.scenario['slug']}_{slugify(subject)}_{paper}-{orientation}_{stamp}.{fmt}"


def metadata(scope: Scope, fmt: str) -> dict[str, str]:
    if fmt == "pdf":
        return {"Title": text.title(scope), "Subject": scope.data_line()}
    return {"Title": text.title(scope), "Software": "geo_service", "Description": scope.data_line()}


def figures(data: PrintData, fmt: str, paper: str, orientation: str, dpi: int, basemap=None) -> list[Figure]:
    """The sheets: the map sheet, then (a PDF) the network list continued and every finding written out."""
    size = figure_size_in(paper, orientation, fmt, dpi)
    # Figures of their own (not pyplot's global state), so that threads do not share one.
    first = Figure(figsize=size, dpi=dpi)
    listed = _map_sheet(first, data, paper, orientation, basemap, more_pages=fmt == "pdf")
    sheets = [first]
    # Every network is listed (issue 11): a PDF continues the network list on further pages.
    while fmt == "pdf" and listed < len(data.networks):
        page = Figure(figsize=size, dpi=dpi)
        listed += text.continuation(page, data, listed, paper, orientation, len(sheets) + 1)
        sheets.append(page)
    paragraphs = list(data.findings) if fmt == "pdf" else []
    while paragraphs:  # issue 20: every finding, on as many sheets as it takes
        page = Figure(figsize=size, dpi=dpi)
        paragraphs = text.findings_page(page, data.scope, paragraphs, paper, orientation, len(sheets) + 1)
        sheets.append(page)
    return sheets


Saver = Callable[[list[Figure], Path, str, int, dict], None]


def render(
    conn,
    scope: Scope,
    fmt: str,
    paper: str,
    orientation: str,
    dpi: int,
    basemap: tuple[str, str] | None = None,
    save: Saver = save_in_child,
) -> ExportFile:
    """Render the sheets into a temporary folder and return them as an :class:`ExportFile`.

    ``basemap`` is an optional (tile URL template, attribution): used only when contextily is installed and the
    tiles can be fetched; otherwise the sheet is drawn without one. ``save`` writes the figures (by default in
    a child process; a process that is itself a child draws them in place).
    """
    data = gather(conn, scope, written_findings=fmt == "pdf")
    sheets = figures(data, fmt, paper, orientation, dpi, basemap)
    workdir = Path(tempfile.mkdtemp(prefix="geo-print-"))
    try:
        filename = file_name(scope, fmt, paper, orientation)
        path = workdir / filename
        save(sheets, path, fmt, dpi, metadata(scope, fmt))
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return ExportFile(path, filename, PRINT_MEDIA_TYPES[fmt], workdir, scope.data_line())


def _map_sheet(fig: Figure, data: PrintData, paper: str, orientation: str, basemap, more_pages=False) -> int:
    """Draw the first sheet; returns how many networks its list holds (the rest go on further pages)."""
    scope = data.scope
    w_mm, h_mm = page_size_mm(paper, orientation)
    fs = text.base_font(w_mm, h_mm)
    m, mh = 10 / w_mm, 10 / h_mm  # 10 mm margins, as fractions of the sheet
    landscape = orientation == "landscape"

    # Title block (wrapped to the page width).
    text_w = w_mm - 20
    title = text.wrap(text.title(scope), text_w, fs * 2.0, bold=True)
    subtitle = text.wrap(text.caption(scope), text_w, fs * 1.05)
    y_mm = 10.0
    fig.text(m, 1 - y_mm / h_mm, title, fontsize=fs * 2.0, fontweight="bold", va="top", color="#212B32")
    y_mm += text.height_mm(title, fs * 2.0, 1.2) + 2
    fig.text(m, 1 - y_mm / h_mm, subtitle, fontsize=fs * 1.05, va="top", color="#4C6272", linespacing=1.3)
    y_mm += text.height_mm(subtitle, fs * 1.05) + 4
    top = 1 - y_mm / h_mm
    reserve = text.credit_line(f" Basemap: {basemap[1]}." if basemap else "")  # room for a tiles credit if drawn
    bottom = mh + (text.height_mm(text.wrap(reserve, text_w, fs * 0.72), fs * 0.72) + 3) / h_mm

    # Map frame and side (landscape) or bottom (portrait) panel; a portrait panel takes the height
    # its legend, findings and network list need, between 28 % and 50 % of the sheet.
    handles = carto.legend_handles(fs, data)
    if landscape:
        panel_text = text.panel_text(fs, (1 - m - 0.68) * w_mm, handles, data)
        map_box = (m, bottom, 0.66 - m, top - bottom)
        panel_box = (0.68, bottom, 1 - m - 0.68, top - bottom)
    else:
        panel_text = text.panel_text(fs, (w_mm - 20) * 0.48, handles, data)
        rows, _cols = text.table_layout(len(data.networks), landscape)
        need_mm = max(panel_text.legend_mm, panel_text.findings_mm) + 4 + (rows + 4) * text.row_mm(fs)
        split = min(max(bottom + need_mm / h_mm + 0.01, 0.28), 0.50)
        map_box = (m, split, 1 - 2 * m, top - split)
        panel_box = (m, bottom, 1 - 2 * m, split - bottom - 0.01)
    ax = fig.add_axes(map_box)
    aspect = (map_box[2] * w_mm) / (map_box[3] * h_mm)
    tiles_credit = carto.draw_map(fig, ax, data, carto.extent(data, aspect), fs, basemap)
    listed = text.panel(fig, panel_box, (w_mm, h_mm), fs, landscape, panel_text, data, more_pages)
    credit = text.credit_line(f" Basemap: {tiles_credit}." if tiles_credit else "")
    fig.text(m, mh, text.wrap(credit, text_w, fs * 0.72), fontsize=fs * 0.72, va="bottom", color="#4C6272",
             linespacing=1.3)  # fmt: skip
    return listed
