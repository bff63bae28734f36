"""The fields of a plan write's body: how each is read and checked (text, practice codes, network codes), and
:class:`Field`, the description of a field a write takes, from which its body schema can be checked."""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo_service.errors import InvalidParameter

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$")
MAX_PRACTICES_PER_EDIT = 2000


@dataclass(frozen=True)
class Field:
    """One body field a write reads: its JSON name and type ('string', 'array' of ``items``, 'object'), whether
    it is required, and what it means (``enum``: the allowed values; ``max_length``: of a string)."""

    name: str
    type: str
    required: bool
    description: str
    items: str | None = None
    enum: tuple[str, ...] | None = None
    max_length: int | None = None


def text(body: dict, name: str, required: bool = False, limit: int = 200) -> str | None:
    """A text field, stripped; None when absent or blank (400 when ``required``), 400 when not text or too long."""
    raw = body.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise InvalidParameter(name, f"'{name}' is required.")
        return None
    if not isinstance(raw, str):
        raise InvalidParameter(name, f"'{name}' must be text.")
    raw = raw.strip()
    if len(raw) > limit:
        raise InvalidParameter(name, f"'{name}' must be at most {limit} characters, got {len(raw)}.")
    return raw


def practice_codes(body: dict, name: str) -> list[str]:
    """A list of practice ODS codes (one code alone will do), upper-cased, duplicates dropped, order kept."""
    raw = body.get(name)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise InvalidParameter(name, f"'{name}' must be a list of practice ODS codes.")
    if len(raw) > MAX_PRACTICES_PER_EDIT:
        raise InvalidParameter(name, f"At most {MAX_PRACTICES_PER_EDIT:,} practices per edit, got {len(raw):,}.")
    out = []
    for i, c in enumerate(raw):
        if not isinstance(c, str) or not CODE_RE.match(c.strip()):
            raise InvalidParameter(name, f"'{name}[{i}]' is not a practice ODS code.")
        out.append(c.strip().upper())
    return list(dict.fromkeys(out))


def network_code(body: dict, name: str) -> str:
    """A network code (letters, digits, '-', '_' or '.'; at most 32), stripped."""
    raw = body.get(name)
    if not isinstance(raw, str) or not CODE_RE.match(raw.strip()):
        raise InvalidParameter(name, f"'{name}' must be a network code (letters, digits, '-', '_' or '.').")
    return raw.strip()
