"""What an embed shows: parsed and validated view options with a canonical key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

from geo_service.errors import InvalidParameter

KINDS = ("area", "network")
_SWITCH = {"on": True, "1": True, "true": True, "yes": True, "off": False, "0": False, "false": False, "no": False}
_LAYER = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
MIN_HEIGHT, MAX_HEIGHT, DEFAULT_HEIGHT = 200, 2000, 480


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
    height = DEFAULT_HEIGHT
    raw_height = args.get("height")
    if raw_height not in (None, ""):
        try:
            height = int(raw_height)
        except ValueError:
            raise InvalidParameter("height", "'height' must be a whole number of pixels.") from None
        if not MIN_HEIGHT <= height <= MAX_HEIGHT:
            raise InvalidParameter("height", f"'height' must be between {MIN_HEIGHT} and {MAX_HEIGHT} pixels.")
    return EmbedView(
        scenario=scenario,
        kind=kind,  # type: ignore[arg-type]
        code=code,
        boundary_set=args.get("boundary_set") or None,
        layers=layers,
        basemap=_switch(args, "basemap", True),
        legend=_switch(args, "legend", True),
        height=height,
    )


def parse_version(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise InvalidParameter("version", "'version' must be a data version number (see the embed snippet).")
    return int(raw)
