"""What an import did: counts of added / updated / unchanged / closed rows, one summary line."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    kind: str
    file_name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    notes: dict[str, int] = field(default_factory=dict)
    extract_id: int | None = None  # the extract the file was recorded as
    scenario_slug: str | None = None  # the scenario a membership import wrote

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.closed or any(self.notes.get(k) for k in _CHANGE_NOTES))

    def summary(self) -> str:
        line = f"{self.kind}: {self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.closed:
            line += f", {self.closed} closed"
        extras = [f"{v} {k}" for k, v in self.notes.items() if v]
        if extras:
            line += "; " + ", ".join(extras)
        return line

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "file": self.file_name,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "closed": self.closed,
            **self.notes,
        }


# Notes that describe a change to stored data (as opposed to informational counts).
_CHANGE_NOTES = ("removed", "partners added")
