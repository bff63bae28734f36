"""Zip archives from outside: refuse path traversal, absolute paths and archives that are not zips."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

from geo_service.errors import InputFileError
from geo_service.ingest.files import display_name


def safe_members(path: str | Path) -> list[str]:
    """Names of the files in a zip, after refusing any member that could escape a folder."""
    name = display_name(path)
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise InputFileError(name, "not a valid zip archive") from exc
    for member in members:
        norm = member.replace("\\", "/")
        parts = PurePosixPath(norm).parts
        if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":") or ".." in parts:
            raise InputFileError(name, f"unsafe member name {member!r} (absolute path or '..') in zip archive")
    return [m for m in members if not m.endswith("/")]
