"""The words of a print: title, caption, legend and findings box, the list of networks with their key colours and
flag marks, and the further sheets (the list continued, every finding written out).

Issue 11: every network is listed, a PDF continuing the list on further pages; flagged networks are marked
(▼ ▲ ◆, thresholds stated). Issue 20: a PDF of an area ends with every finding written for people (the popups'
and network pages' sentences, :mod:`geo_service.analysis.wording`), on as many continuation sheets as they need.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo_service.analysis import rules
from geo_service.analysis.area_summary import Thresholds
from geo_service.exports.formats import page_size_mm
from geo_service.exports.layers import finding_labels
from geo_service.exports.print_data import PrintData
from geo_service.maps import palette
from geo_service.scope import Scope

ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0 (NHS Digital, NHS England). "
    "Contains OS data © Crown copyright and database right. Source: Office for National Statistics, OGL v3.0."
)
MAX_NETWORK_ROWS = 18
PT_MM = 25.4 / 72  # one typographic point in millimetres


def base_font(w_mm: float, h_mm: float) -> float:
    """The sheet's body size in points: 8.5 on A4, growing gently with the paper."""
    return 8.5 * (min(w_mm, h_mm) / 210) ** 0.8


def chars(width_mm: float, font_pt: float, bold: bool = False) -> int:
    """About how many characters of DejaVu Sans fit in ``width_mm`` at ``font_pt``."""
    return max(12, int(width_mm / (font_pt * (0.62 if bold else 0.55) * PT_MM)))


def wrap(text: str, width_mm: float, font_pt: float, bold: bool = False) -> str:
    return textwrap.fill(text, chars(width_mm, font_pt, bold), break_on_hyphens=False)


def height_mm(text: str, font_pt: float, spacing: float = 1.3) -> float:
    return (text.count("\n") + 1) * font_pt * spacing * PT_MM


def caption(scope: Scope) -> str:
    """The sheet's caption under the title: scenario, boundary set and which extracts and dates it shows."""
    return (
        f"Scenario: {scope.scenario['name']}  ·  Boundary set: {scope.boundary_set['name']}  ·  "
        f"Data: {scope.data_line()}"
    )


def title(scope: Scope) -> str:
    if scope.area is not None:
        return f"{scope.area['name']} ({scope.area['code']}): primary care networks"
    net = scope.network
    return f"{net['name']} ({net['code']})"


def credit_line(extra: str = "") -> str:
    return f"Printed {date.today().isoformat()} with geo_service. {ATTRIBUTION}{extra}"


def findings_lines(data: PrintData) -> list[str]:
    """'label: N networks/practices' for every headline finding present on the map, networks first (page 1
    counts the headline tier; geometry and data gaps are on the findings pages and one click away online)."""
    headline = rules.finding_keys(rules.HEADLINE)
    labels = {k: v for k, v in finding_labels().items() if k in headline}
    lines = []
    for df, noun in ((data.networks, "network"), (data.practices, "practice")):
        if df is None or "findings" not in df.columns:
            continue
        keys = [c for c in df.columns if c in labels and str(df[c].dtype) == "boolean"]
        for key in keys:
            n = int(df[key].fillna(False).sum())
            if n:
                lines.append(f"{labels[key]}: {n} {noun}{'s' if n != 1 else ''}")
    return lines


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


def panel_text(fs: float, col_mm: float, handles: list, data: PrintData) -> PanelText:
    for handle in handles:
        handle.set_label(wrap(handle.get_label(), col_mm - 12, fs))
    legend_rows = sum(hd.get_label().count("\n") + 1 for hd in handles)
    legend_mm = (1.6 + 1.55 * legend_rows) * fs * PT_MM + 2

    inner_mm = col_mm * 0.92
    lines = findings_lines(data)
    population = data.networks["population"].sum() if len(data.networks) else 0
    counts = data.counts
    n_net = counts["networks"] if counts else len(data.networks)
    n_prac = counts["practices"] if counts else len(data.practices)
    where = " in the area" if counts else ""
    head = wrap(
        f"{n_net:,} network{'s' if n_net != 1 else ''} · {n_prac:,} practice"
        f"{'s' if n_prac != 1 else ''}{where} · {int(population):,} registered patients",
        inner_mm,
        fs * 0.9,
    )
    body = (
        "\n".join(wrap(f"• {line}", inner_mm, fs * 0.9).replace("\n", "\n   ") for line in lines)
        if lines
        else wrap("No findings for the networks and practices shown.", inner_mm, fs * 0.9)
    )
    if data.findings:
        body += "\n" + wrap("Every finding is written out on the findings pages.", inner_mm, fs * 0.9)
    if data.profile:  # issue 25: the profile lines, the last naming the sources
        body += "\n" + "\n".join(wrap(line, inner_mm, fs * 0.9) for line in data.profile)
    title_mm = height_mm("x", fs * 1.15) + 1.5
    head_mm = height_mm(head, fs * 0.9) + 1.5
    findings_mm = 2.5 + title_mm + head_mm + height_mm(body, fs * 0.9) + 2.5
    return PanelText(handles, legend_mm, head, body, title_mm, head_mm, findings_mm)


def table_layout(n_networks: int, landscape: bool) -> tuple[int, int]:
    """(rows, columns) of the network list (every network is listed, issue 11): portrait sheets use two
    columns from 7 networks and three from 31; landscape two from 19."""
    if landscape:
        cols = 2 if n_networks > MAX_NETWORK_ROWS else 1
    else:
        cols = 3 if n_networks > 30 else 2 if n_networks > 6 else 1
    rows = -(-n_networks // cols)
    return min(rows, MAX_NETWORK_ROWS) if rows > MAX_NETWORK_ROWS and not landscape else rows, cols


def row_mm(fs: float) -> float:
    return fs * 0.82 * 1.45 * PT_MM


def panel(fig, box, page_mm, fs, landscape, text: PanelText, data: PrintData, more_pages=False) -> int:
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

    return network_table(fig, table_box, page_mm, fs, landscape, data.networks, data.colours, data.thresholds,
                         more_pages=more_pages)  # fmt: skip


def network_table(
    fig, box, page_mm, fs, landscape, networks, colours, thresholds=None, more_pages=False, first=1
) -> int:
    """The network list with each network's key colour and flag marks; returns how many rows it holds. With
    ``more_pages`` (a PDF) the rows shrink less and what does not fit goes on the next page; a PNG shrinks its
    rows further and says what is left out. ``first`` numbers the rows on a continuation page."""
    thresholds = thresholds or Thresholds(30_000, 50_000, 0.5)
    colours = colours or palette.network_colours(list(networks["code"]))
    tax = fig.add_axes(box)
    tax.axis("off")
    heading = "Networks shown" if first == 1 else f"Networks shown (continued from no. {first - 1})"
    tax.text(0, 1, heading, fontsize=fs * 1.15, fontweight="bold", va="top", transform=tax.transAxes)
    h_mm = box[3] * page_mm[1]
    _rows, cols = table_layout(len(networks), landscape)
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
    while scale > floor and rows and (h_mm - 3.7 * row_mm(fs * scale)) // row_mm(fs * scale) < rows:
        scale -= 0.05
    one_row = row_mm(fs * scale)
    rows = max(0, min(rows, int((h_mm - 3.7 * one_row) // one_row)))
    shown = networks.head(rows * cols) if len(networks) else networks
    tfs = fs * 0.82 * scale
    col_w = 1.0 / cols
    gutter = 0.04 if cols > 1 else 0.0
    total = chars(box[2] * page_mm[0] * (col_w - gutter) * 0.93, tfs, bold=True)  # names are often capitals

    def y_of(i: float) -> float:
        return 1 - (2.7 + i) * one_row / h_mm

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
        swatch = Rectangle((x0, ty - 0.3 * one_row / h_mm), 0.035 * col_w, 0.6 * one_row / h_mm,
                           transform=tax.transAxes, color=colours[row["code"]])  # fmt: skip
        swatch.set_gid(f"key-{row['code']}")
        tax.add_patch(swatch)
        pop = "unknown" if pd.isna(row["population"]) else f"{int(row['population']):,}"
        stats = f"{row['member_count']} · {pop}"
        label = f"{first + i}. {flag_marks(row)}{row['code']}  {row['name']}"
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
    tax.text(0.0, y_of(rows + (1 if len(networks) > len(shown) else 0)) - 0.2 * one_row / h_mm,
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


def flag_marks(row) -> str:
    """Symbols before a network's code in the list: the headline rules' flags whose findings the row has
    (▼ undersized, ▲ oversized, ◆ dominated, …; the legend line under the list states the thresholds)."""
    marks = ""
    for flag in rules.flags():
        if flag.key == "cross_boundary":
            continue  # drawn as the red outline, and said in the findings box
        if any(k in row.index and not pd.isna(row[k]) and bool(row[k]) for k in flag.findings):
            marks += flag.symbol
    return marks + " " if marks else ""


@dataclass(frozen=True)
class Sheet:
    """A further sheet's frame: its size (mm), base font size, margin (figure fraction), text width (mm), where
    the body may start (mm from the top) and the height of the credit line at its foot (mm)."""

    w_mm: float
    h_mm: float
    fs: float
    m: float
    text_w: float
    top_mm: float
    credit_mm: float


def sheet(fig: Figure, scope, heading: str, paper: str, orientation: str) -> Sheet:
    """Draw what every further sheet (network list continued, findings) carries: title, data line, credit."""
    w_mm, h_mm = page_size_mm(paper, orientation)
    fs = base_font(w_mm, h_mm)
    m, mh = 10 / w_mm, 10 / h_mm
    text_w = w_mm - 20
    head = wrap(heading, text_w, fs * 1.5, bold=True)
    fig.text(m, 1 - mh, head, fontsize=fs * 1.5, fontweight="bold", va="top", color="#212B32")
    y_mm = 10 + height_mm(head, fs * 1.5, 1.2) + 2
    subtitle = wrap(caption(scope), text_w, fs * 1.05)
    fig.text(m, 1 - y_mm / h_mm, subtitle, fontsize=fs * 1.05, va="top", color="#4C6272", linespacing=1.3)
    y_mm += height_mm(subtitle, fs * 1.05) + 4
    credit = wrap(credit_line(), text_w, fs * 0.72)
    fig.text(m, mh, credit, fontsize=fs * 0.72, va="bottom", color="#4C6272", linespacing=1.3)
    return Sheet(w_mm, h_mm, fs, m, text_w, y_mm, height_mm(credit, fs * 0.72))


FINDING_STYLES = {
    "heading": (1.15, "bold", 0.0, 2.5),
    "subject": (1.0, "bold", 0.0, 1.5),
    "item": (0.9, None, 4.0, 0.6),
}


def findings_page(fig: Figure, scope, paragraphs, paper: str, orientation: str, page_no: int) -> list:
    """One sheet of written findings; returns the paragraphs that did not fit (for the next sheet). A network's
    heading is repeated, marked "continued", when its findings run over to the next sheet."""
    frame = sheet(fig, scope, f"{title(scope)}: findings (page {page_no})", paper, orientation)
    w_mm, h_mm, fs, m, text_w, y_mm = frame.w_mm, frame.h_mm, frame.fs, frame.m, frame.text_w, frame.top_mm
    floor_mm = h_mm - 10 - frame.credit_mm - 4
    rest = list(paragraphs)
    subject = None
    placed = 0  # paragraphs of this sheet's own (a sheet always takes one, however tall)
    while rest:
        style, text = rest[0]
        scale, weight, indent, before = FINDING_STYLES[style]
        size = fs * scale
        body = wrap(("• " if style == "item" else "") + text, text_w - indent, size, bold=weight == "bold")
        if style == "item":
            body = body.replace("\n", "\n   ")
        need = before + height_mm(body, size)
        if y_mm + need > floor_mm and placed:
            if style == "item" and subject is not None:
                rest.insert(0, ("subject", f"{subject} (continued)"))
            break
        if style == "subject":
            subject = text.removesuffix(" (continued)")
        elif style == "heading":
            subject = None
        y_mm += before
        fig.text(m + indent / w_mm, 1 - y_mm / h_mm, body, fontsize=size, fontweight=weight or "normal", va="top",
                 color="#212B32", linespacing=1.3)  # fmt: skip
        y_mm += height_mm(body, size)
        placed += 0 if text.endswith(" (continued)") else 1
        rest.pop(0)
    return rest


def continuation(fig: Figure, data: PrintData, start: int, paper: str, orientation: str, page_no: int) -> int:
    """A further sheet of the network list (same paper, same columns and marks); returns how many it holds."""
    frame = sheet(fig, data.scope, f"{title(data.scope)} (continued, page {page_no})", paper, orientation)
    w_mm, h_mm, fs, m = frame.w_mm, frame.h_mm, frame.fs, frame.m
    bottom = 10 / h_mm + (frame.credit_mm + 3) / h_mm
    box = (m, bottom, 1 - 2 * m, 1 - frame.top_mm / h_mm - bottom)
    rest = data.networks.iloc[start:]
    return network_table(fig, box, (w_mm, h_mm), fs, orientation == "landscape", rest, data.colours,
                         data.thresholds, more_pages=True, first=start + 1)  # fmt: skip
