"""Zip archives from outside: refuse path traversal, absolute paths and archives that are not zips."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from geo_service.errors import InputFileError
from geo_service.ingest.files import LIMITS, ReadLimits, check_expansion, display_name


def safe_members(path: str | Path, limits: ReadLimits = LIMITS) -> list[str]:
    """Names of the files in a zip, after refusing any member that could escape a folder, and any archive
    whose members (by the sizes it declares, which reading never exceeds) are too large or expand like a bomb."""
    name = display_name(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputFileError(name, "not a valid zip archive") from exc
    members = [i.filename for i in infos]
    total = compressed = 0
    for info in infos:
        check_expansion(name, info.file_size, info.compress_size, limits, what=f"member {info.filename!r}")
        total += info.file_size
        compressed += info.compress_size
    check_expansion(name, total, compressed, limits, what="the archive")
    for member in members:
        norm = member.replace("\\", "/")
        parts = PurePosixPath(norm).parts
        if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":") or ".." in parts:
            raise InputFileError(name, f"unsafe member name {member!r} (absolute path or '..') in zip archive")
    return [m for m in members if not m.endswith("/")]
