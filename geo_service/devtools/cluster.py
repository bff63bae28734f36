"""A project-local PostGIS cluster under ``.pgdata/`` for development and tests.

PostgreSQL refuses to run as root, so when we are root the server runs as the
``postgres`` system user (created by Debian's postgresql package) and its data
directory belongs to that user. As a normal user the server runs as that user.
The cluster listens on 127.0.0.1 only (no Unix socket), on its own port (5544),
and its superuser ``geo_service`` has a random password kept in ``.pgdata/password``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from geo_service.db.postgres_tools import postgres_bindir
from geo_service.errors import SetupError

log = logging.getLogger(__name__)

SUPERUSER = "geo_service"
DATABASE = "geo_service"
SERVER_USER_WHEN_ROOT = "postgres"
# Given at every start (so clusters made by an older checkout get them too). PostGIS is loaded once by the
# postmaster instead of by every new session: a session's first spatial call then skips ~9 ms of dynamic linking
# (the tests open thousands of sessions; the app's pool opens one per worker thread).
SERVER_OPTIONS = "-c shared_preload_libraries=postgis-3"


class LocalCluster:
    def __init__(self, project_root: Path, port: int = 5544) -> None:
        self.root = Path(project_root)
        self.base = self.root / ".pgdata"
        self.port = port
        self.password_file = self.base / "password"

    # -- locations -------------------------------------------------------------
    @property
    def is_root(self) -> bool:
        return os.geteuid() == 0

    def _server_user(self) -> str | None:
        """User the server runs as: ``postgres`` when we are root, else ourselves (None)."""
        return SERVER_USER_WHEN_ROOT if self.is_root else None

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def server_data_dir(self) -> Path:
        """The data directory as the server user reaches it (``.pgdata/data`` may be a symlink)."""
        return self.data_dir.resolve()

    def _run_as_server(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        user = self._server_user()
        if user:
            args = ["runuser", "-u", user, "--", *args]
        return subprocess.run(args, text=True, capture_output=True, **kw)

    def _prepare_dirs(self) -> None:
        """Create ``.pgdata`` and make sure the server user can reach its data directory."""
        self.base.mkdir(mode=0o755, exist_ok=True)
        user = self._server_user()
        if not user:
            return
        try:
            pw = pwd.getpwnam(user)
        except KeyError as exc:
            raise SetupError(
                f"system user '{user}' is missing: install the Debian package postgresql-15-postgis-3"
            ) from exc
        reachable = self._run_as_server(["test", "-x", str(self.base)]).returncode == 0
        if not reachable and not self.data_dir.is_symlink():
            # The checkout lives somewhere the postgres user cannot enter (e.g. under /root):
            # keep the cluster in /var/lib and point .pgdata/data at it.
            digest = hashlib.sha256(str(self.root).encode()).hexdigest()[:10]
            outside = Path("/var/lib/geo_service") / f"pgdata-{digest}"
            outside.mkdir(parents=True, exist_ok=True)
            os.chmod(outside.parent, 0o755)
            self.data_dir.symlink_to(outside, target_is_directory=True)
        target = self.data_dir.resolve()
        target.mkdir(mode=0o700, exist_ok=True)
        if target.stat().st_uid != pw.pw_uid:
            os.chown(target, pw.pw_uid, pw.pw_gid)

    # -- state -----------------------------------------------------------------
    def password(self) -> str:
        if not self.password_file.exists():
            self.base.mkdir(mode=0o755, exist_ok=True)
            self.password_file.touch(mode=0o600)
            self.password_file.write_text(secrets.token_urlsafe(24))
        return self.password_file.read_text().strip()

    def database_url(self, database: str = DATABASE) -> str:
        pw = self.password_file.read_text().strip() if self.password_file.exists() else ""
        auth = f"{SUPERUSER}:{quote(pw, safe='')}" if pw else SUPERUSER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def is_initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists() or self._run_as_server(
            ["test", "-f", str(self.server_data_dir / "PG_VERSION")]
        ).returncode == 0

    def _port_open(self) -> bool:
        with socket.socket() as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _has_pid_file(self) -> bool:
        pid_file = self.server_data_dir / "postmaster.pid"
        try:
            return pid_file.exists()
        except PermissionError:  # a normal user looking at root's cluster
            return False

    def is_running(self) -> bool:
        """Our cluster is up: its pid file exists and the port answers."""
        if not self._port_open():
            return False
        if not self._has_pid_file():
            raise SetupError(
                f"port {self.port} on 127.0.0.1 is used by another server, not this project's cluster "
                f"({self.data_dir}): stop it, or set GEO_DB_PORT to a free port"
            )
        return True

    def status(self) -> str:
        if not self.is_initialised():
            return f"not initialised ({self.data_dir})"
        state = "running" if self.is_running() else "stopped"
        return f"{state} on 127.0.0.1:{self.port} (data {self.data_dir})"

    # -- actions ---------------------------------------------------------------
    def init(self) -> bool:
        """Create the cluster if it does not exist. Returns True when it was created."""
        self._prepare_dirs()
        if self.is_initialised():
            return False
        bindir = postgres_bindir()
        password = self.password()
        with tempfile.TemporaryDirectory() as tmp:
            pwfile = Path(tmp) / "pw"
            pwfile.write_text(password + "\n")
            user = self._server_user()
            if user:  # initdb runs as the server user and must read the file
                pw = pwd.getpwnam(user)
                os.chown(tmp, pw.pw_uid, pw.pw_gid)
                os.chown(pwfile, pw.pw_uid, pw.pw_gid)
            args = [
                str(bindir / "initdb"),
                "-D",
                str(self.server_data_dir),
                "-U",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
            done = self._run_as_server(args, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise SetupError(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        conf = self.server_data_dir / "postgresql.conf"
        settings = (
            "\n# geo_service local cluster\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {self.port}\n"
            "unix_socket_directories = ''\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            "shared_buffers = 256MB\nwork_mem = 32MB\nmaintenance_work_mem = 256MB\n"
            "max_connections = 100\n"
            # Interactive statements: compiling them costs more than it saves (the app's sessions say so too).
            "jit = off\n"
        )
        self._run_as_server(["sh", "-c", f"cat >> '{conf}'"], input=settings)
        log.info("initialised PostgreSQL cluster in %s", self.server_data_dir)
        return True

    def start(self) -> str:
        created = self.init()
        if self.is_running():
            self.ensure_database()
            return f"already running on 127.0.0.1:{self.port}"
        bindir = postgres_bindir()
        logfile = self.server_data_dir / "server.log"
        done = self._run_as_server(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(self.server_data_dir),
                "-l",
                str(logfile),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port} {SERVER_OPTIONS}",
                "start",
            ],
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            tail = self._run_as_server(["tail", "-n", "20", str(logfile)]).stdout
            raise SetupError(f"could not start PostgreSQL on port {self.port}: {done.stderr.strip()}\n{tail}")
        for _ in range(100):
            if self._port_open():
                break
            time.sleep(0.1)
        self.ensure_database()
        return ("created and started" if created else "started") + f" on 127.0.0.1:{self.port}"

    def stop(self) -> str:
        if not self.is_initialised() or not self.is_running():
            return "not running"
        done = self._run_as_server(
            [str(postgres_bindir() / "pg_ctl"), "-D", str(self.server_data_dir), "-m", "fast", "-w", "stop"]
        )
        if done.returncode != 0:
            raise SetupError(f"pg_ctl stop failed: {done.stderr.strip()}")
        return "stopped"

    def restart(self) -> str:
        self.stop()
        return self.start()

    def postmaster_pid(self) -> int | None:
        """The postmaster's process id from ``postmaster.pid`` (None when not running)."""
        done = self._run_as_server(["head", "-n", "1", str(self.server_data_dir / "postmaster.pid")])
        text = done.stdout.strip()
        return int(text) if done.returncode == 0 and text.isdigit() else None

    def server_pids(self) -> list[int]:
        """The postmaster and every process it started (backends, checkpointer, ...), postmaster first."""
        main = self.postmaster_pid()
        if main is None:
            return []
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if int(fields[1]) == main:
                children.append(int(stat.parent.name))
        return [main, *sorted(children)]

    def destroy(self) -> None:
        """Stop the cluster and delete its files (for throw-away clusters made by tests)."""
        try:
            self.stop()
        finally:
            target = self.data_dir.resolve()
            shutil.rmtree(self.base, ignore_errors=True)
            if target != self.data_dir:
                shutil.rmtree(target, ignore_errors=True)

    def ensure_database(self, name: str = DATABASE) -> None:
        from geo_service.db.admin import create_database_if_missing

        create_database_if_missing(self.database_url("postgres"), name)
