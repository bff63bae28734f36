"""The map of a print: drawn in EPSG:27700 (metres), so the scale bar is true and grid north is up; colours and
symbols are the web map's (:mod:`geo_service.maps.palette`, :mod:`geo_service.maps.layers`).

Network names are placed on the map without overlap (a name that does not fit becomes its number in the list);
the names of the areas around and under the map (the boundary set's areas, from the boundary files) are placed
after them, in grey italics, where they overlap nothing already placed. Each network's fill carries the
network's code as its ``gid`` (kept by the SVG backend), so a test can read the colours back from the output.
"""

from __future__ import annotations

import importlib.util
import logging
import textwrap

import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle

from geo_service.analysis.rules.cross_boundary import HEADLINE_FINDINGS
from geo_service.crs import AREA_SRID
from geo_service.exports.print_data import Box, PrintData
from geo_service.maps import palette

log = logging.getLogger(__name__)

NICE_LENGTHS_M = (100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000)
# From the web map's layer styles (geo_service.maps.layers): network fill, practice radius by list size.
NETWORK_FILL_OPACITY = 0.28
ORPHAN_RADIUS = 10
AREA_NAME_COLOUR = "#4C6272"


def practice_radius(list_size) -> float:
    """Marker radius in (Leaflet) pixels: 3 + √list_size / 14, at most 16; 4 when unknown (as the web map)."""
    if list_size is None or pd.isna(list_size):
        return 4.0
    return min(16.0, 3.0 + float(list_size) ** 0.5 / 14)


def _practice_colour(network_codes, colours: dict[str, str]) -> str:
    first = network_codes.split(",")[0] if isinstance(network_codes, str) and network_codes else None
    return colours.get(first, palette.NO_NETWORK) if first else palette.NO_NETWORK


def crossing(networks) -> pd.Series:
    """Networks with a headline cross-boundary finding (outlined red)."""
    cols = [c for c in HEADLINE_FINDINGS if c in networks.columns]
    if not cols or not len(networks):
        return pd.Series(False, index=networks.index)
    return networks[cols].fillna(False).astype(bool).any(axis=1)


def orphaned(practices) -> pd.Series:
    if "orphaned" in practices.columns:
        return practices["orphaned"].fillna(False).astype(bool)
    return practices["network_count"].eq(0)


def extent(data: PrintData, aspect: float) -> Box:
    """Bounds of the area (or network) and its practices with a 6 % margin, widened to the axes' aspect ratio."""
    frames = [f for f in (data.focus if data.focus is not None else data.networks, data.practices) if f is not None]
    boxes = [f.geometry.dropna().total_bounds for f in frames if len(f) and f.geometry.notna().any()]
    if not boxes:
        return (400_000.0, 200_000.0, 500_000.0, 300_000.0)
    xmin, ymin = min(b[0] for b in boxes), min(b[1] for b in boxes)
    xmax, ymax = max(b[2] for b in boxes), max(b[3] for b in boxes)
    w, h = max(xmax - xmin, 1_000.0) * 1.12, max(ymax - ymin, 1_000.0) * 1.12
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def add_basemap(ax, basemap: tuple[str, str] | None) -> str | None:
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


def draw_map(fig, ax, data: PrintData, box: Box, fs: float, basemap) -> str | None:
    """Areas, networks, practices, scale bar, north arrow and names in ``ax`` over ``box``; returns the tiles'
    credit when a basemap was drawn."""
    colours = data.colours or palette.network_colours(data.codes)
    focus, networks, context = data.focus, data.networks, data.context
    px = 0.75 * fs / 8.5  # Leaflet pixel widths ≈ points × px
    ax.set_facecolor("#F0F4F5")
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    tiles_credit = add_basemap(ax, basemap)
    if focus is not None and len(focus) and not tiles_credit:
        focus.plot(ax=ax, facecolor="white", edgecolor="none", zorder=1)
    if len(context):
        others = context[~context["ods_code"].isin(focus["ods_code"])] if focus is not None else context
        others.plot(ax=ax, facecolor=palette.NEIGHBOUR_OUTLINE, alpha=0.03, edgecolor="none", zorder=1)
        others.boundary.plot(ax=ax, color=palette.NEIGHBOUR_OUTLINE, linewidth=1 * px, linestyle=(0, (4, 4)), zorder=2)
    if len(networks):
        polys = networks[networks.geometry.notna()]
        for code in polys["code"]:  # one artist per network, named by its code
            one = polys[polys["code"] == code]
            one.plot(ax=ax, color=colours[code], alpha=NETWORK_FILL_OPACITY, edgecolor="none", zorder=3)
            ax.collections[-1].set_gid(f"network-fill-{code}")
            one.boundary.plot(ax=ax, color=colours[code], alpha=0.9, linewidth=2 * px, zorder=4)
        crossed = polys[crossing(polys)]
        if len(crossed):
            crossed.boundary.plot(ax=ax, color=palette.CROSS_BOUNDARY, linewidth=4 * px, zorder=5)
    if focus is not None and len(focus):
        focus.boundary.plot(ax=ax, color=palette.FOCUS_OUTLINE, linewidth=3 * px, zorder=6)
    _draw_practices(ax, data, colours, px)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_edgecolor("#425563")
        spine.set_linewidth(0.8)
    _scale_bar(ax, box, fs)
    _north_arrow(ax, box, fs)
    placed = place_labels(fig, ax, networks[networks.geometry.notna()], numbers(networks), fs) if len(networks) else []
    place_area_names(fig, ax, context, box, fs, placed)
    return tiles_credit


def _draw_practices(ax, data: PrintData, colours: dict[str, str], px: float) -> None:
    practices = data.practices
    located = practices[practices.geometry.notna() & ~practices.geometry.is_empty]
    orphan_mask = orphaned(located)
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
        ax.scatter(orphans.geometry.x, orphans.geometry.y, s=(2 * ORPHAN_RADIUS * px) ** 2, c=palette.ORPHAN,
                   edgecolors="black", linewidths=3 * px, zorder=12)  # fmt: skip


def _scale_bar(ax, box: Box, fs: float) -> None:
    xmin, ymin, xmax, ymax = box
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


def _north_arrow(ax, box: Box, fs: float) -> None:
    xmin, ymin, xmax, ymax = box
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
        )  # fmt: skip
    )
    ax.text(x, y + h * 0.09, "N", fontsize=fs * 1.5, fontweight="bold", ha="center", va="bottom", zorder=22)


def numbers(networks) -> dict[str, int]:
    """Each network's number in the sheet's list (1, 2, ...): the key of a map label too long to place."""
    return {code: i + 1 for i, code in enumerate(networks["code"])}


class _Measure:
    """An Agg renderer at 72 dpi for measuring text (sizes scale with dpi, overlaps do not): a renderer at the
    sheet's own dpi would hold the whole raster (278 MB at A3 600 dpi) in this process."""

    def __init__(self, fig, ax) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig, self.dpi = fig, fig.dpi
        fig.set_dpi(72)
        self.renderer = FigureCanvasAgg(fig).get_renderer()
        ax.apply_aspect()
        self.frame = ax.get_window_extent(self.renderer)

    def fits(self, artist, placed: list) -> bool:
        box = artist.get_window_extent(self.renderer).expanded(1.08, 1.15)
        inside = self.frame.contains(box.x0, box.y0) and self.frame.contains(box.x1, box.y1)
        if inside and not any(box.overlaps(other) for other in placed):
            placed.append(box)
            return True
        return False

    def close(self) -> None:
        from matplotlib.backend_bases import FigureCanvasBase

        self.fig.set_dpi(self.dpi)
        FigureCanvasBase(self.fig)  # drop the measuring canvas and its buffer


def place_labels(fig, ax, polys, nums: dict[str, int], fs: float) -> list:
    """Network names on the map without overlap (issue 11): largest population first, each name (two lines at
    most) at its polygon's representative point; a name that would overlap one already placed or leave the map
    becomes its number in the list (a numbered key); a number that would overlap too is left out (the list
    still has the network). Returns the placed labels' boxes (display units at 72 dpi)."""
    placed: list = []
    measure = _Measure(fig, ax)
    try:
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
            name = textwrap.fill(str(row["name"]), max(12, (len(str(row["name"])) + 1) // 2 + 4), max_lines=2,
                                 placeholder="…", break_long_words=False)  # fmt: skip
            for text, size in ((name, fs * 0.72), (str(nums.get(row["code"], "")), fs * 0.8)):
                artist = ax.text(pt.x, pt.y, text, fontsize=size, **style)
                if measure.fits(artist, placed):
                    artist.set_gid(f"label-{row['code']}")
                    break
                artist.remove()
    finally:
        measure.close()
    return placed


def place_area_names(fig, ax, context, box: Box, fs: float, placed: list) -> None:
    """The names of the areas on the map (the boundary set's areas, e.g. CCGs), in grey italics at the
    representative point of each area's part inside the frame, largest part first, skipping any that would
    overlap a network label or another name."""
    if not len(context) or "name" not in context.columns:
        return
    from shapely.geometry import box as shapely_box

    frame = shapely_box(*box)
    parts = []
    for _, row in context.iterrows():
        if row.geometry is None or row.geometry.is_empty or not row["name"]:
            continue
        inside = row.geometry.intersection(frame)
        if not inside.is_empty and inside.area > frame.area * 0.01:
            parts.append((inside.area, str(row["name"]), row.get("ods_code"), inside.representative_point()))
    measure = _Measure(fig, ax)
    try:
        for _area, name, code, pt in sorted(parts, key=lambda p: (-p[0], p[1])):
            text = textwrap.fill(name, 22, max_lines=3, placeholder="…", break_long_words=False)
            artist = ax.text(pt.x, pt.y, text, fontsize=fs * 0.78, fontstyle="italic", color=AREA_NAME_COLOUR,
                             ha="center", va="center", zorder=14, linespacing=1.05)  # fmt: skip
            if measure.fits(artist, placed):
                artist.set_gid(f"area-name-{code}")
            else:
                artist.remove()
    finally:
        measure.close()


def legend_handles(fs: float, data: PrintData) -> list:
    """Legend entries for what is on the sheet, with the web map's titles and symbols."""
    px = 0.75 * fs / 8.5
    focus, networks, practices = data.focus, data.networks, data.practices
    handles: list = [
        Patch(facecolor="white", edgecolor=palette.NEIGHBOUR_OUTLINE, linestyle=(0, (4, 4)), linewidth=1 * px,
              label="Neighbouring areas (names in grey)" if focus is not None else "Areas (names in grey)"),
    ]  # fmt: skip
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
                label="Networks (polygon, or hull of its members): colours in the list",
            )  # fmt: skip
        )
        if crossing(networks).any():
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
    if orphaned(practices).any():
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
