"""Where the PostgreSQL client and server programs are: pg_dump/pg_restore for backups, initdb/pg_ctl for the
development cluster (:mod:`geo_service.devtools.cluster`)."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

from geo_service.errors import SetupError


def postgres_bindir() -> Path:
    """Directory of initdb/pg_ctl: newest Debian PostgreSQL with PostGIS, else PATH."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]), reverse=True)
    for pg_ctl in candidates:
        version = pg_ctl.split("/")[4]
        if glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
            return Path(pg_ctl).parent
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise SetupError(
        "PostgreSQL server binaries (pg_ctl, initdb) not found: "
        "run `make setup` (Debian package postgresql-15-postgis-3)."
    )
