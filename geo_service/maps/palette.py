"""Colour-blind-safe colours for maps.

Networks get Paul Tol's "muted" qualitative scheme (distinct for the common colour-vision
deficiencies); the overview grades areas with ColorBrewer YlOrBr (sequential, colour-blind
safe). Findings use colours outside those schemes so they stand out.
"""

from __future__ import annotations

from dataclasses import dataclass

# Paul Tol, "muted" (9) + "bright" extras: https://personal.sron.nl/~pault/
NETWORK_COLOURS = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#4477AA",
    "#66CCEE",
    "#228833",
)

CROSS_BOUNDARY = "#D5281B"  # NHS red: cross-boundary networks outlined red (issue 5)
ORPHAN = "#FFB81C"  # NHS warm yellow fill, black outline: orphaned practices
FINDING_OUTLINE = "#000000"
FOCUS_OUTLINE = "#212B32"  # NHS text colour: the area's own boundary
NEIGHBOUR_OUTLINE = "#768692"  # NHS mid grey: neighbouring areas, faint
MOVED = "#E66100"  # practices that moved between scenarios (orange, distinct from Tol muted)
NO_NETWORK = "#768692"

# ColorBrewer YlOrBr, 5 classes (colour-blind safe, print friendly).
GRADUATED = ("#FFFFD4", "#FED98E", "#FE9929", "#D95F0E", "#993404")


@dataclass(frozen=True)
class ColourClass:
    low: int
    high: int | None  # inclusive; None = and above
    colour: str

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low} or more"
        if self.low == self.high:
            return str(self.low)
        return f"{self.low}–{self.high}"


# Fixed breaks so that colours mean the same thing on every scenario and boundary set.
FINDING_CLASSES = (
    ColourClass(0, 0, GRADUATED[0]),
    ColourClass(1, 2, GRADUATED[1]),
    ColourClass(3, 5, GRADUATED[2]),
    ColourClass(6, 10, GRADUATED[3]),
    ColourClass(11, None, GRADUATED[4]),
)


def finding_classes(counts: list[int]) -> tuple[ColourClass, ...]:
    """Classes for the overview: 0 on its own, then up to four quantile classes of the positive
    counts (so England's busy areas do not all land in one colour). Falls back to the fixed breaks."""
    positive = sorted(c for c in counts if c > 0)
    if len(positive) < 4:
        return FINDING_CLASSES
    highs: list[int] = []
    for q in (0.25, 0.5, 0.75):
        value = positive[min(len(positive) - 1, int(q * len(positive)))]
        if not highs or value > highs[-1]:
            highs.append(value)
    classes = [ColourClass(0, 0, GRADUATED[0])]
    low = 1
    for high in highs:
        classes.append(ColourClass(low, high, ""))
        low = high + 1
    if low <= positive[-1]:
        classes.append(ColourClass(low, None, ""))
    colours = GRADUATED[1:] if len(classes) == 5 else GRADUATED[len(GRADUATED) - len(classes) + 1 :]
    return (classes[0],) + tuple(
        ColourClass(c.low, c.high, colour) for c, colour in zip(classes[1:], colours, strict=True)
    )


def network_colours(codes: list[str]) -> dict[str, str]:
    """A colour per network code, stable for a given sorted list of codes."""
    return {code: NETWORK_COLOURS[i % len(NETWORK_COLOURS)] for i, code in enumerate(sorted(codes))}


# Used only when an adjacency graph needs more colours than NETWORK_COLOURS (not seen on England's data).
EXTRA_NETWORK_COLOURS = ("#BBBBBB", "#EE8866", "#77AADD", "#AAAA00", "#EEDD88", "#FFAABB")


def graph_colours(codes: list[str], adjacent: list[tuple[str, str]], distinct: bool = False) -> dict[str, str]:
    """A colour per network code such that no two adjacent networks (touching, overlapping or a few metres
    apart) share one: DSATUR greedy colouring (Brélaz 1979) over the adjacency graph. Deterministic: ties
    go to the higher degree, then the smaller code; each network takes the first colour its neighbours
    do not use, so the first colours of the scheme are used most. ``distinct`` (a print's key): every network
    its own colour while the palette lasts, each the least like its neighbours' colours."""
    nodes = sorted(set(codes))
    neighbours: dict[str, set[str]] = {c: set() for c in nodes}
    for a, b in adjacent:
        if a in neighbours and b in neighbours and a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    colours = NETWORK_COLOURS + EXTRA_NETWORK_COLOURS
    chosen: dict[str, int] = {}
    while len(chosen) < len(nodes):
        best = min(
            (c for c in nodes if c not in chosen),
            key=lambda c: (-len({chosen[n] for n in neighbours[c] if n in chosen}), -len(neighbours[c]), c),
        )
        used = {chosen[n] for n in neighbours[best] if n in chosen}
        if distinct:
            chosen[best] = _distinct_choice(used, set(chosen.values()), colours)
        else:
            chosen[best] = next(i for i in range(len(nodes) + 1) if i not in used)
    return {c: colours[i % len(colours)] for c, i in chosen.items()}


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _distance(a: str, b: str) -> float:
    """A cheap perceptual distance between two colours ("redmean" weighting of RGB)."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    mean = (r1 + r2) / 2
    return ((2 + mean / 256) * (r1 - r2) ** 2 + 4 * (g1 - g2) ** 2 + (2 + (255 - mean) / 256) * (b1 - b2) ** 2) ** 0.5


def _distinct_choice(neighbour_colours: set[int], page_colours: set[int], colours: tuple[str, ...]) -> int:
    """For a key (a print): a colour no other network on the page has while any is left, else one its neighbours
    do not have; among those, the one least like the colours already on the page, a neighbour's counting double
    (two light blues are legal for the graph but not for a reader of the key)."""
    free = [i for i in range(len(colours)) if i not in neighbour_colours]
    if not free:  # more neighbours than colours (never seen on England's data): the first index left
        return next(i for i in range(len(colours), 2 * len(colours) + 2) if i not in neighbour_colours)
    unused = [i for i in free if i not in page_colours] or free
    if not page_colours:
        return unused[0]

    def unlike(i: int) -> tuple[float, int]:
        near = min(
            _distance(colours[i], colours[n % len(colours)]) / (2 if n in neighbour_colours else 1)
            for n in page_colours | neighbour_colours
        )
        return near, -i

    return max(unused, key=unlike)
