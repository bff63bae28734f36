"""Reading a print back from its PDF, as a reader of the page sees it: the filled shapes with their fill colours
(the content stream's own ``rg`` and path operators, parsed with pypdf) and the text with its lines."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

_TEXTS: dict[str, list[str]] = {}


def page_texts(data: bytes) -> list[str]:
    """The text of each page of the PDF ``data`` (pypdf's ``extract_text``), extracted once per process for the
    same bytes: a kept print is the same file wherever it is asked for (the board-paper and layout modules read the
    same Kent and Medway sheets), and extracting is most of a reading test's CPU."""
    key = hashlib.sha256(data).hexdigest()
    if key not in _TEXTS:
        import pypdf

        _TEXTS[key] = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    return list(_TEXTS[key])


@dataclass
class Fill:
    colour: str  # "#RRGGBB"
    points: list[tuple[float, float]]  # page points
    curved: bool  # drawn with Bézier curves (markers), not straight edges (polygons, rectangles)

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs, ys = [x for x, _ in self.points], [y for _, y in self.points]
        return min(xs), min(ys), max(xs), max(ys)


def _hex(values) -> str:
    return "#" + "".join(f"{round(float(v) * 255):02X}" for v in values)


def fills_and_clips(page, reader) -> tuple[list[Fill], list[tuple[float, float, float, float]]]:
    """Every filled path of ``page`` with its fill colour, and every clipping rectangle (x0, y0, x1, y1)."""
    from pypdf.generic import ContentStream

    fill, ctm, stack = "#000000", (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), []
    path: list[tuple[float, float]] = []
    curved = False
    fills, clips = [], []

    def at(x: float, y: float) -> tuple[float, float]:
        a, b, c, d, e, f = ctm
        return (a * x + c * y + e, b * x + d * y + f)

    for args, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"q":
            stack.append((fill, ctm))
        elif op == b"Q":
            fill, ctm = stack.pop()
        elif op == b"cm":
            a2, b2, c2, d2, e2, f2 = (float(v) for v in args)
            a, b, c, d, e, f = ctm
            ctm = (a2 * a + b2 * c, a2 * b + b2 * d, c2 * a + d2 * c, c2 * b + d2 * d, e2 * a + f2 * c + e,
                   e2 * b + f2 * d + f)  # fmt: skip
        elif op == b"rg":
            fill = _hex(args)
        elif op == b"g":
            fill = _hex([args[0]] * 3)
        elif op in (b"m", b"l"):
            path.append(at(float(args[0]), float(args[1])))
        elif op == b"c":
            path.append(at(float(args[4]), float(args[5])))
            curved = True
        elif op == b"re":
            x, y, w, h = (float(v) for v in args)
            path += [at(x, y), at(x + w, y), at(x + w, y + h), at(x, y + h)]
        elif op == b"W":
            xs, ys = [p[0] for p in path], [p[1] for p in path]
            clips.append((min(xs), min(ys), max(xs), max(ys)))
        elif op in (b"f", b"f*", b"F", b"B", b"B*", b"b", b"b*"):
            fills.append(Fill(fill, path, curved))
            path, curved = [], False
        elif op in (b"S", b"s", b"n"):
            path, curved = [], False
    return fills, clips
