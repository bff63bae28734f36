"""Deterministic, clearly labelled synthetic demo data (the embedded default dataset)."""
