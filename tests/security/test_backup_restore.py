"""Issue 21 finding 16: no documented backup and restore. ``geo-service backup`` / ``restore`` (pg_dump custom
format), run as the README writes them: a round trip gives a database whose checks answer identically."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from tests.conftest import make_app

pytestmark = pytest.mark.slow  # the CLI, pg_dump and pg_restore as subprocesses

CLI = Path(sys.executable).parent / "geo-service"
SCENARIO = "demo-commissioner-proposal"


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "DATABASE_URL": url, "LANG": "C.UTF-8"}
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=300)


def _cli_in_process(url: str, *args: str) -> subprocess.CompletedProcess:
    """The same command run in this process (click's runner; the CLI is already imported here) instead of a new
    interpreter that imports it again: for the runs after the round trip has proved the installed command."""
    result = CliRunner().invoke(main, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def _counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'public'")
        tables = [r[0] for r in cur.fetchall()]
        out = {}
        for table in tables:
            cur.execute(f'SELECT count(*) FROM public."{table}"')  # noqa: S608 - names from the catalogue
            out[table] = cur.fetchone()[0]
        return out


def _checks_of(app) -> tuple[bytes, bytes]:
    client = app.test_client()
    checks = client.get(f"/api/v1/scenarios/{SCENARIO}/checks")
    csv = client.get(f"/api/v1/scenarios/{SCENARIO}/checks.csv")
    assert checks.status_code == 200 and csv.status_code == 200
    return checks.get_data(), csv.get_data()


def _checks(url: str) -> tuple[bytes, bytes]:
    app = make_app(url)
    try:
        return _checks_of(app)
    finally:
        app.extensions["geo_db"].close()


def test_backup_and_restore_round_trip(demo_db_url, demo_app, maintenance_url, tmp_path):
    dump = tmp_path / "geo.dump"
    made = _cli(demo_db_url, "backup", str(dump))
    assert made.returncode == 0, made.stderr
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    name = f"geo_service_test_restore_{os.getpid()}"
    drop_database(maintenance_url, name)
    create_database_if_missing(maintenance_url, name)
    target = with_database(maintenance_url, name)
    counts, checks = _counts(demo_db_url), _checks_of(demo_app)  # the shared demo is read-only: read it once
    try:
        done = _cli(target, "restore", str(dump), "--yes")
        assert done.returncode == 0, done.stderr
        assert _counts(target) == counts
        assert _checks(target) == checks
        # restore over a database that changed since: back to the backup exactly
        with psycopg2.connect(target) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM memberships WHERE ctid IN (SELECT ctid FROM memberships LIMIT 5)")
        assert _counts(target) != counts
        again = _cli_in_process(target, "restore", str(dump), "--yes")
        assert again.returncode == 0, again.stderr
        assert _counts(target) == counts
        assert _checks(target) == checks
    finally:
        drop_database(maintenance_url, name)


def test_restore_of_a_missing_file_changes_nothing(demo_db_url, tmp_path):
    done = _cli_in_process(demo_db_url, "restore", str(tmp_path / "absent.dump"), "--yes")
    assert done.returncode != 0 and "absent.dump" in done.stderr
