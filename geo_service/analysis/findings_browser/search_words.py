"""Rule words for the site search: "orphaned", "cross-boundary", "undersized" find the findings browser."""

from __future__ import annotations

from geo_service.analysis import rules
from geo_service.analysis.findings_browser.filters import rule_label

# ---- search ----------------------------------------------------------------------------------------------


_GENERIC_WORDS = frozenset(
    {
        "network",
        "networks",
        "practice",
        "practices",
        "area",
        "areas",
        "member",
        "members",
        "more",
        "than",
        "one",
        "with",
        "from",
        "polygon",
        "list",
        "size",
    }
)


def rule_words(words: str) -> list[tuple[str, str, int]]:
    """(rule or finding key, label, score) whose key or label holds ``words`` (lower case, spaces for '-'/'_'):
    a rule when its own key or label matches, else each matching finding of it. Exact keys score highest."""
    out: list[tuple[str, str, int]] = []
    if set(words.split()) <= _GENERIC_WORDS:
        return out  # "network", "practices", "area": names of things, not of findings
    for r in rules.RULES:
        key_words = r.key.replace("_", " ")
        label = rule_label(r)
        if words in key_words or words in label.lower():
            out.append((r.key, label, 96 if words == key_words else 85))
            continue
        for key, finding_label in r.labels.items():
            finding_words = key.replace("_", " ")
            if words in finding_words or words in finding_label.lower():
                out.append((key, f"{finding_label} ({rule_label(r).lower()})", 96 if words == finding_words else 85))
    return out
