"""Embeddable maps for LMC websites: view options, pinned snapshots, oEmbed, snippets (no Flask here)."""
