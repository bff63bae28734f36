"""What an embed shows: parsed and validated view options with a canonical key.

The key names the view as its URL does (scenario, area or network, options); a data version pins what that
URL resolves to (the scope: date, extracts, boundary set), so (key, version) names one rendering. Stored
renderings are keyed on the scope too (:func:`geo_service.embeds.snapshots.scoped_key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from geo_service.errors import InvalidParameter
from geo_service.scope import Scope, resolve_scope

KINDS = ("area", "network")
_SWITCH = {"on": True, "1": True, "true": True, "yes": True, "off": False, "0": False, "false": False, "no": False}
_LAYER = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
# Whole numbers as written in a URL: ASCII digits only (str.isdigit and int() also take "９６", "²", " 600 ").
_WHOLE = re.compile(r"[0-9]{1,9}")
MIN_HEIGHT, MAX_HEIGHT, DEFAULT_HEIGHT = 200, 2000, 480


def parse_dimension(raw: str | None, name: str, message: str, low: int = 1, high: int | None = None) -> int | None:
    """A whole number ``low..high`` written with the digits 0-9 only, or None when absent or empty."""
    if raw in (None, ""):
        return None
    if not _WHOLE.fullmatch(raw):
        raise InvalidParameter(name, message)
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise InvalidParameter(name, message)
    return value


def _switch(args, name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return _SWITCH[raw.lower()]
    except KeyError:
        raise InvalidParameter(name, f"'{name}' must be on or off.", allowed=["on", "off"]) from None


@dataclass(frozen=True)
class EmbedView:
    scenario: str
    kind: Literal["area", "network"]
    code: str
    boundary_set: str | None = None
    layers: tuple[str, ...] | None = None  # None = the map's default layers
    basemap: bool = True
    legend: bool = True
    height: int = DEFAULT_HEIGHT

    @property
    def path(self) -> str:
        return f"/embed/{self.scenario}/{self.kind}s/{self.code}"

    def query(self) -> dict[str, str]:
        """View parameters in canonical form (sorted, defaults dropped), without the version."""
        q: dict[str, str] = {}
        if self.boundary_set:
            q["boundary_set"] = self.boundary_set
        if self.layers is not None:
            q["layers"] = ",".join(self.layers)
        if not self.basemap:
            q["basemap"] = "off"
        if not self.legend:
            q["legend"] = "off"
        if self.height != DEFAULT_HEIGHT:
            q["height"] = str(self.height)
        return dict(sorted(q.items()))

    @property
    def key(self) -> str:
        query = urlencode(self.query())
        return self.path + ("?" + query if query else "")


def parse_view(scenario: str, kind: str, code: str, args) -> EmbedView:
    """Validate embed query parameters (``args`` is any mapping with ``get``)."""
    if kind not in KINDS:
        raise InvalidParameter("kind", f"An embed shows an area or a network, not '{kind}'.", allowed=list(KINDS))
    layers = None
    raw_layers = args.get("layers")
    if raw_layers is not None:
        names = tuple(sorted({p.strip() for p in raw_layers.split(",") if p.strip()}))
        bad = [n for n in names if not _LAYER.match(n)]
        if bad:
            raise InvalidParameter("layers", f"Layer names are lower-case words; got {bad[0]!r}.")
        layers = names
    raw_height = args.get("height")
    if raw_height not in (None, "") and not _WHOLE.fullmatch(raw_height):
        raise InvalidParameter("height", "'height' must be a whole number of pixels.")
    height = parse_dimension(
        raw_height, "height", f"'height' must be between {MIN_HEIGHT} and {MAX_HEIGHT} pixels.", MIN_HEIGHT, MAX_HEIGHT
    )
    if height is None:
        height = DEFAULT_HEIGHT
    boundary_set = (args.get("boundary_set") or "").strip().lower() or None
    # Slugs are lower case and ODS/GSS codes upper case, and both resolve case-insensitively: one key per view.
    return EmbedView(
        scenario=scenario.strip().lower(),
        kind=kind,  # type: ignore[arg-type]
        code=code.strip().upper(),
        boundary_set=boundary_set,
        layers=layers,
        basemap=_switch(args, "basemap", True),
        legend=_switch(args, "legend", True),
        height=height,
    )


def parse_version(raw: str | None) -> int | None:
    return parse_dimension(raw, "version", "'version' must be a data version number (see the embed snippet).", low=0)


def embed_scope(conn, view: EmbedView) -> Scope:
    """The embed's scope, resolved as its map page resolves it (canonical codes, default boundary set, an
    area's fallback set)."""
    if view.kind == "area":
        return resolve_scope(conn, view.scenario, view.boundary_set, area=view.code)
    return resolve_scope(conn, view.scenario, view.boundary_set, network=view.code)
