"""The local cluster and the DATABASE_URL switch, through the CLI as users run them."""

import os
import socket
import subprocess

import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.config import PROJECT_ROOT, load_settings
from geo_service.db.cluster import LocalCluster


def test_database_url_set_means_no_local_cluster(tmp_path, demo_db_url):
    env = {"DATABASE_URL": demo_db_url, "GEO_PROJECT_ROOT": str(tmp_path)}
    result = CliRunner().invoke(main, ["db", "start"], env=env)
    assert result.exit_code == 0, result.output
    assert "no local cluster started" in result.output
    assert not (tmp_path / ".pgdata").exists()
    assert load_settings({"GEO_PROJECT_ROOT": str(tmp_path), "DATABASE_URL": demo_db_url}).database_url == demo_db_url


def test_local_cluster_listens_on_loopback_only_and_runs_unprivileged():
    cluster = LocalCluster(PROJECT_ROOT)
    if os.environ.get("DATABASE_URL") or not cluster.is_running():
        pytest.skip("the project-local cluster is not in use for this run (DATABASE_URL given)")
    assert "running on 127.0.0.1:5544" in cluster.status()
    owners = subprocess.run(["ps", "-o", "user=", "-C", "postgres"], capture_output=True, text=True).stdout.split()
    assert owners and "root" not in owners, owners
    # Not reachable on any non-loopback address of this machine.
    ips = {ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for ip in ips - {"127.0.0.1", "127.0.1.1"}:
        with socket.socket() as s:
            s.settimeout(0.5)
            assert s.connect_ex((ip, 5544)) != 0, ip


def test_cli_help_for_every_command():
    runner = CliRunner()
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["migrate", "--help"],
        ["demo", "--help"],
        ["db", "--help"],
        ["db", "start", "--help"],
        ["db", "stop", "--help"],
        ["db", "status", "--help"],
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, (args, result.output)
        assert "Usage:" in result.output
