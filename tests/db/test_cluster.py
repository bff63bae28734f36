"""The local cluster and the DATABASE_URL switch, through the CLI as users run them."""

import os
import socket
import subprocess

import click
import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.config import PROJECT_ROOT, load_settings
from geo_service.devtools.cluster import LocalCluster


def test_database_url_set_means_no_local_cluster(tmp_path, demo_db_url):
    env = {"DATABASE_URL": demo_db_url, "GEO_PROJECT_ROOT": str(tmp_path)}
    result = CliRunner().invoke(main, ["db", "start"], env=env)
    assert result.exit_code == 0, result.output
    assert "no local cluster started" in result.output
    assert not (tmp_path / ".pgdata").exists()
    assert load_settings({"GEO_PROJECT_ROOT": str(tmp_path), "DATABASE_URL": demo_db_url}).database_url == demo_db_url


def test_local_cluster_listens_on_loopback_only_and_runs_unprivileged():
    port = int(os.environ.get("GEO_DB_PORT", 5544))
    cluster = LocalCluster(PROJECT_ROOT, port=port)
    if os.environ.get("DATABASE_URL") or not cluster.is_running():
        pytest.skip("the project-local cluster is not in use for this run (DATABASE_URL given)")
    assert f"running on 127.0.0.1:{port}" in cluster.status()
    owners = subprocess.run(["ps", "-o", "user=", "-C", "postgres"], capture_output=True, text=True).stdout.split()
    assert owners and "root" not in owners, owners
    # Not reachable on any non-loopback address of this machine.
    ips = {ai[4][0] for ai in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
    for ip in ips - {"127.0.0.1", "127.0.1.1"}:
        with socket.socket() as s:
            s.settimeout(0.5)
            assert s.connect_ex((ip, port)) != 0, ip


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


def test_cli_help_lists_every_command_with_its_own_summary_without_loading_it():
    """``geo-service --help`` reads the summaries of :data:`geo_service.cli.COMMANDS` (so it imports no command's
    module: the print and export stack took a second of CPU); each summary is what the command's own help says."""
    from geo_service.cli import COMMANDS, ServiceGroup

    fresh = ServiceGroup(name="geo-service")  # nothing loaded yet, unlike ``main`` after other tests
    result = CliRunner().invoke(fresh, ["--help"], terminal_width=400)
    assert result.exit_code == 0, result.output
    assert fresh.commands == {}, sorted(fresh.commands)
    listed = dict(line.split(None, 1) for line in result.output.split("Commands:\n", 1)[1].splitlines() if line)
    assert listed.keys() == COMMANDS.keys()
    ctx = click.Context(main)
    for name, (_, _, summary) in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert not command.hidden, name
        assert listed[name].strip() == summary == command.get_short_help_str(400), name


def test_a_foreign_server_on_the_port_is_not_taken_for_ours(tmp_path):
    from geo_service.errors import SetupError

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        cluster = LocalCluster(tmp_path, port=listener.getsockname()[1])
        with pytest.raises(SetupError, match="used by another server"):
            cluster.is_running()


def test_cluster_lifecycle_keeps_data_across_restarts(tmp_path):
    """A scratch project: init + start, write, stop, start again, data still there; runs unprivileged."""
    import shutil

    import psycopg2

    from tests.conftest import free_port

    cluster = LocalCluster(tmp_path, port=free_port())
    try:
        assert "created and started" in cluster.start()
        url = cluster.database_url()
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cur.execute("CREATE TABLE kept (x int)")
            cur.execute("INSERT INTO kept VALUES (42)")
            cur.execute("SELECT current_setting('listen_addresses'), current_setting('port')")
            assert cur.fetchone() == ("127.0.0.1", str(cluster.port))
        conn.close()
        assert cluster.stop() == "stopped"
        assert not cluster.is_running()
        assert cluster.start().startswith("started")
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("SELECT x FROM kept")
            assert cur.fetchone() == (42,)
        conn.close()
        assert "already running" in cluster.start()
    finally:
        cluster.stop()
        target = cluster.data_dir.resolve()
        if cluster.data_dir.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
