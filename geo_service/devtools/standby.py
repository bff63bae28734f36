"""A streaming hot standby of a project-local cluster (issue 26): for the tests and benchmarks of read replicas,
and as a worked example of setting one up.

``pg_basebackup -R -X stream`` copies the primary and writes ``primary_conninfo`` and ``standby.signal``; the
copy then starts on its own port as a hot standby (read-only queries while it replays the primary's WAL). Like
:class:`~geo_service.devtools.cluster.LocalCluster` it runs as the ``postgres`` system user when we are root.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import time
from urllib.parse import quote

from geo_service.db.postgres_tools import postgres_bindir
from geo_service.devtools.cluster import DATABASE, SUPERUSER, LocalCluster
from geo_service.errors import SetupError


class StandbyCluster:
    def __init__(self, primary: LocalCluster, port: int) -> None:
        self.primary = primary
        self.port = port
        # Beside the primary's data directory, which the server user can already reach.
        self.data_dir = primary.server_data_dir.parent / f"standby-{port}"

    def database_url(self, database: str = DATABASE) -> str:
        pw = self.primary.password()
        return f"postgresql://{SUPERUSER}:{quote(pw, safe='')}@127.0.0.1:{self.port}/{database}"

    def _run(self, args: list[str]):
        return self.primary._run_as_server(args, stdin=None)

    def create(self) -> None:
        """Copy the running primary (a base backup streaming its WAL) and start the copy as a hot standby."""
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(mode=0o700)
        user = self.primary._server_user()
        if user:
            pw = pwd.getpwnam(user)
            os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        conninfo = (
            f"host=127.0.0.1 port={self.primary.port} user={SUPERUSER} password={self.primary.password()} "
            "application_name=standby"
        )
        done = self._run(
            [
                str(postgres_bindir() / "pg_basebackup"),
                "-d",
                conninfo,
                "-D",
                str(self.data_dir),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ]  # fmt: skip
        )
        if done.returncode != 0:
            raise SetupError(f"pg_basebackup failed: {done.stderr.strip()}")
        settings = f"\n# geo_service standby\nport = {self.port}\nhot_standby = on\nhot_standby_feedback = on\n"
        self.primary._run_as_server(["sh", "-c", f"cat >> '{self.data_dir / 'postgresql.conf'}'"], input=settings)
        self.start()

    def start(self) -> None:
        done = self._run(
            [
                str(postgres_bindir() / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.data_dir / "server.log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {self.port}",
                "start",
            ]  # fmt: skip
        )
        if done.returncode != 0:
            tail = self._run(["tail", "-n", "20", str(self.data_dir / "server.log")]).stdout
            raise SetupError(f"could not start the standby on port {self.port}: {done.stderr.strip()}\n{tail}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise SetupError(f"the standby on port {self.port} did not open its port")

    def stop(self) -> None:
        self._run([str(postgres_bindir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)
