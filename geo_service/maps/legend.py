"""Legend entries derived from the layers themselves, so the legend always matches the colours."""

from __future__ import annotations

from geo_service.maps.layers import Layer


def legend_entry(layer: Layer) -> dict:
    style = layer.style
    entry = {
        "key": layer.key,
        "title": layer.title,
        "swatch": {
            "shape": layer.swatch_shape,
            "fill": layer.legend_fill
            if layer.legend_fill
            else (style.get("fillColor") if style.get("fill", True) else None),
            "stroke": style.get("color"),
            "dash": bool(style.get("dashArray")),
            "weight": style.get("weight"),
        },
    }
    if layer.classes:
        entry["classes"] = [{"label": c["label"], "colour": c["colour"]} for c in layer.classes["items"]]
    if layer.note:
        entry["note"] = layer.note
    return entry


def legend_entries(layers: list[Layer]) -> list[dict]:
    return [legend_entry(layer) for layer in layers if layer.in_legend]
