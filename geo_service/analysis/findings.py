"""Finding keys and their plain-English labels, gathered from the rule registry (``analysis.rules``).

Used by the API, CLI, map legends and exports; a rule's labels live in its own module.
"""

from __future__ import annotations

from geo_service.analysis import rules

# Check keys, in the order they are reported.
CHECKS: tuple[str, ...] = tuple(r.key for r in rules.RULES)

CHECK_EXPLANATIONS: dict[str, str] = {r.key: r.explanation for r in rules.RULES}

NETWORK_FINDINGS: dict[str, str] = {
    k: v for r in rules.RULES for k, v in r.labels.items() if r.subject_of(k) == "network"
}
PRACTICE_FINDINGS: dict[str, str] = {
    k: v for r in rules.RULES for k, v in r.labels.items() if r.subject_of(k) == "practice"
}
AREA_FINDINGS: dict[str, str] = {k: v for r in rules.RULES for k, v in r.labels.items() if r.subject_of(k) == "area"}

FINDING_LABELS: dict[str, str] = {**NETWORK_FINDINGS, **PRACTICE_FINDINGS, **AREA_FINDINGS}

# Keys of the flat summary used by tests and by ``compare``: name -> label.
SUMMARY_KEYS: dict[str, str] = rules.summary_labels()
