"""Template databases for the tests: built once, kept on the cluster between runs, cloned in about a second.

A template's name carries a fingerprint of everything that makes it: the schema files (baseline, functions,
triggers, numbered migrations), the source of every ``geo_service`` module its builder can import (found by reading
the imports, lazy ones included), the bundle manifests and the content of every real data file (27 MB: hashed in
well under a second; a fresh copy of the same files keeps the templates).
Change any of them and the next run builds a new template (and drops the stale one of that kind); change nothing
and the template is reused as it is.

Two pytest-xdist workers (or two runs) never build the same template: building holds a file lock, and a template
is built under a scratch name and renamed only when complete, so a half-built one is never used.

Databases that tests only read are shared copies of a template made read-only in the database itself
(``default_transaction_read_only``), kept between runs too. A test that writes takes its own clone.
"""

from __future__ import annotations

import ast
import hashlib
import os
import pickle
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import psycopg2
import psycopg2.errors
from filelock import FileLock
from psycopg2 import sql

from geo_service.config import PROJECT_ROOT
from geo_service.db.admin import create_database_if_missing, drop_database, end_sessions, with_database
from geo_service.db.migrate import schema_files
from tests.pyparse import parse_python

PACKAGE = PROJECT_ROOT / "geo_service"
MANIFESTS = PROJECT_ROOT / "data" / "manifests"


# ---- fingerprints ---------------------------------------------------------------------------------------------


def _module_file(name: str) -> Path | None:
    rel = Path(*name.split("."))
    for candidate in (PROJECT_ROOT / rel.with_suffix(".py"), PROJECT_ROOT / rel / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path, module: str) -> set[str]:
    """Names of the ``geo_service`` modules ``path`` imports, anywhere in it (function-level imports too)."""
    return set(_imports_of_text(path.read_text(encoding="utf-8"), path.name == "__init__.py", module))


@cache  # keyed on the text: a run asks for the same keys many times, and parsing was most of their cost
def _imports_of_text(text: str, is_package: bool, module: str) -> frozenset[str]:
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(parse_python(text)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "geo_service")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "geo_service":
                continue
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)  # ``from pkg import submodule``
    return frozenset(out)


def module_closure(*entry: str) -> list[Path]:
    """Source files of ``entry`` and every ``geo_service`` module they can import (packages' ``__init__`` too;
    the imports of the top package's ``__init__``, the app factory, are not followed)."""
    seen: dict[str, Path] = {}
    todo = list(entry)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen[name] = path
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        if name != "geo_service":  # the app factory's imports (the web app) never shape a database's content
            todo += sorted(_imports(path, name))
    return sorted(set(seen.values()))


def _strip_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return tree


def python_meaning(path: Path, source: str | None = None) -> bytes:
    """What a Python file does, not how it is written: its syntax tree without docstrings, comments or layout (a
    ``ruff format`` or a reworded docstring rebuilds nothing). For the top package's ``__init__`` (the app factory,
    imported first by every builder but never called by one) only what runs at import: the bodies of its functions
    and classes are left out, so a change to ``create_app`` keeps every template. ``source``: the text to read
    instead of the file's."""
    return _meaning_of_text(
        path.read_text(encoding="utf-8") if source is None else source, path == PACKAGE / "__init__.py"
    )


@cache  # keyed on the text, like _imports_of_text
def _meaning_of_text(text: str, app_factory: bool) -> bytes:
    tree = _strip_docstrings(parse_python(text))
    if app_factory:
        for node in tree.body:  # type: ignore[attr-defined]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                node.body = [ast.Pass()]
    return ast.dump(tree, annotate_fields=False).encode()


def _content(path: Path) -> bytes:
    return python_meaning(path) if path.suffix == ".py" else path.read_bytes()


def fingerprint(files: Iterable[Path] = (), data_files: Iterable[Path] = (), extra: Iterable[str] = ()) -> str:
    """12 hex digits over the content of ``files`` (Python files by :func:`python_meaning`, others byte for byte:
    a function file's hash is recorded in the database it builds), the name and content of ``data_files`` (files
    outside the project: the real data) and
    ``extra`` strings."""
    h = hashlib.sha256()
    for path in sorted(set(files)):
        h.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + _content(path) + b"\0")
    for path in sorted(set(data_files)):
        h.update(path.name.encode() + b"\0" + _data_digest(path, _stat_key(path)) + b"\0")
    for text in extra:
        h.update(text.encode() + b"\0")
    return h.hexdigest()[:12]


def _stat_key(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@cache
def _data_digest(path: Path, stat_key: tuple[int, int, int]) -> bytes:
    """The SHA-256 of a real data file, read once per process while its inode, size and modification time stay
    (a run asks for a template's key many times; the 27 MB of real data took a tenth of a second each time)."""
    return hashlib.sha256(path.read_bytes()).digest()


# How a template is finished (every key depends on it): "analysed" since templates are VACUUM (ANALYZE)d once built,
# so templates and shared copies kept from before are built again.
TEMPLATE_FORMAT = "analysed"


def migrated_key() -> str:
    """Everything that shapes the migrated schema: the baseline, function and trigger files, numbered migrations,
    the runner's code, and how templates are finished (:data:`TEMPLATE_FORMAT`)."""
    return fingerprint([*schema_files(), *module_closure("geo_service.db.migrate")], extra=[TEMPLATE_FORMAT])


def demo_key() -> str:
    return fingerprint(module_closure("geo_service.demo.load"), extra=[migrated_key()])


def bundles_key(steps: list[str], real_data: Path) -> str:
    entry = ["geo_service.ingest.bundle", *(["geo_service.demo.load"] if "demo" in steps else [])]
    manifests = [MANIFESTS / s for s in steps if s != "demo"]
    data = [p for p in real_data.rglob("*") if p.is_file()]
    return fingerprint([*manifests, *module_closure(*entry)], data_files=data, extra=[migrated_key(), *steps])


# ---- the databases ------------------------------------------------------------------------------------------------


def _autocommit(url: str):
    conn = psycopg2.connect(url, connect_timeout=10)
    conn.autocommit = True
    return conn


def database_names(maintenance_url: str, like: str) -> list[str]:
    conn = _autocommit(maintenance_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %(like)s", {"like": like})
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def clone(maintenance_url: str, template: str, name: str, tablespace: str | None = None) -> str:
    """A fresh copy of ``template`` named ``name`` (replacing any left by an earlier run), in ``tablespace`` if
    given. PostgreSQL copies only a database nobody is connected to: idle pooled connections on it are ended first
    (pools drop dead ones)."""
    drop_database(maintenance_url, name)
    for attempt in range(5):
        try:
            if tablespace is None:
                create_database_if_missing(maintenance_url, name, template=template)
            else:
                _execute(
                    maintenance_url,
                    sql.SQL("CREATE DATABASE {} TEMPLATE {} TABLESPACE {}").format(
                        sql.Identifier(name), sql.Identifier(template), sql.Identifier(tablespace)
                    ),
                )
            break
        except psycopg2.errors.ObjectInUse:
            if attempt == 4:
                raise
            end_sessions(maintenance_url, template)
            time.sleep(0.2 * (attempt + 1))
    return with_database(maintenance_url, name)


def _execute(maintenance_url: str, statement: sql.Composable) -> None:
    conn = _autocommit(maintenance_url)
    try:
        with conn.cursor() as cur:
            cur.execute(statement)
    finally:
        conn.close()


def _vacuum_analyze(url: str) -> None:
    """VACUUM (ANALYZE) a template once built: its copies inherit its statistics and visibility map, and never get
    their own (autovacuum acts on changes, and a copy starts with none). A copy made before autovacuum had come by
    its template kept the template's half-built statistics for ever: on the England databases a compare of two
    scenarios in one area then took 14.5 s instead of 0.4 s."""
    conn = _autocommit(url)
    try:
        with conn.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
    finally:
        conn.close()


class Templates:
    """Templates and shared read-only copies named ``<prefix>_t_<kind>_<key>`` / ``<prefix>_ro_<kind>_<key>``."""

    def __init__(self, maintenance_url: str, prefix: str) -> None:
        self.maintenance_url = maintenance_url
        self.prefix = prefix
        self.lock_dir = self.lock_dir_of(maintenance_url)
        self.lock_dir.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def lock_dir_of(maintenance_url: str) -> Path:
        """Where the locks and kept results of the server at ``maintenance_url`` live (one folder per server)."""
        server = hashlib.sha256(maintenance_url.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / "geo_service-test-locks" / server

    def _lock(self, kind: str) -> FileLock:
        return FileLock(str(self.lock_dir / f"{self.prefix}_{kind}.lock"))

    def exists(self, name: str) -> bool:
        return bool(database_names(self.maintenance_url, name.replace("_", r"\_")))

    def _drop_stale(self, family: str, keep: str) -> None:
        for name in database_names(self.maintenance_url, f"{self.prefix}_{family}_%".replace("_", r"\_")):
            if name != keep:
                self._drop(name)

    def _drop(self, name: str) -> None:
        _execute(self.maintenance_url, sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(name)))
        drop_database(self.maintenance_url, name)

    def template(self, kind: str, key: str, build: Callable[[str], None], source: str | None = None) -> str:
        """The template ``kind`` at ``key``, built by ``build(url)`` in a copy of ``source`` if missing."""
        name = f"{self.prefix}_t_{kind}_{key}"
        if self.exists(name):
            return name
        with self._lock(kind):
            if self.exists(name):  # another worker built it while this one waited
                return name
            scratch = f"{self.prefix}_b_{kind}"
            drop_database(self.maintenance_url, scratch)
            if source:
                url = clone(self.maintenance_url, source, scratch)
            else:
                create_database_if_missing(self.maintenance_url, scratch)
                url = with_database(self.maintenance_url, scratch)
            try:
                build(url)
                _vacuum_analyze(url)
            except BaseException:
                drop_database(self.maintenance_url, scratch)
                raise
            end_sessions(self.maintenance_url, scratch, idle_only=False)
            _execute(
                self.maintenance_url,
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(scratch), sql.Identifier(name)),
            )
            _execute(self.maintenance_url, sql.SQL("ALTER DATABASE {} IS_TEMPLATE true").format(sql.Identifier(name)))
            self._drop_stale(f"t_{kind}", keep=name)
        return name

    def template_with_result(
        self, kind: str, key: str, build: Callable[[str], Any], source: str | None = None
    ) -> tuple[str, Any]:
        """Like :meth:`template`, and what ``build(url)`` returned when it made the template (an England-sized
        computation whose written result the template holds): pickled beside the lock files and kept as long as
        the template. A template whose result file is missing is built again."""
        name = f"{self.prefix}_t_{kind}_{key}"
        kept = self.lock_dir / f"{name}.pickle"
        if not (kept.exists() and self.exists(name)):
            with self._lock(kind):
                if self.exists(name) and not kept.exists():
                    self._drop(name)

            def build_and_keep(url: str) -> None:
                scratch = kept.with_suffix(f".{os.getpid()}.tmp")
                scratch.write_bytes(pickle.dumps(build(url)))
                scratch.replace(kept)

            self.template(kind, key, build_and_keep, source=source)
            for stale in self.lock_dir.glob(f"{self.prefix}_t_{kind}_*.pickle"):
                if stale != kept:
                    stale.unlink(missing_ok=True)
        return name, pickle.loads(kept.read_bytes())

    def shared_readonly(self, kind: str, template: str) -> str:
        """A copy of ``template`` that refuses writes (``default_transaction_read_only``), shared by every test,
        worker and run until the template changes. Its URL."""
        key = template.rsplit("_", 1)[1]
        name = f"{self.prefix}_ro_{kind}_{key}"
        if not self.exists(name):
            with self._lock(f"ro_{kind}"):
                if not self.exists(name):
                    scratch = f"{self.prefix}_b_ro_{kind}"
                    clone(self.maintenance_url, template, scratch)
                    _execute(
                        self.maintenance_url,
                        sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(
                            sql.Identifier(scratch)
                        ),
                    )
                    _execute(
                        self.maintenance_url,
                        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(scratch), sql.Identifier(name)),
                    )
                    self._drop_stale(f"ro_{kind}", keep=name)
        return with_database(self.maintenance_url, name)


# ---- the per-test clones' tablespace, in RAM ------------------------------------------------------------------
# A clone writes every file of its template (about 700 relations, 1,500 files) and the test's end deletes them. On
# ext4 without a journal (as on the CI machines) each new inode is then checked against the recently deleted ones:
# after a few hundred clones a copy of the 18 MB migrated template took 0.65 s of CPU, against 0.08 s in a
# tablespace on tmpfs (the England templates: 0.7-1.0 s against 0.25-0.4 s). So on the project-local cluster the
# clones a test takes and drops go in a tablespace under /dev/shm; templates and shared copies stay on disk
# (kept between runs). The tablespace is named after the machine's boot, so one left by an earlier boot (its
# directory gone with the RAM) is dropped with any database still naming it.

RAM_PREFIX = "geo_test_ram_"
RAM_NEEDED = 2 * 1024**3  # free bytes /dev/shm must have: a few clones of the largest template (140 MB) at once


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="utf-8").strip().replace("-", "")[:12]
    except OSError:
        return "boot"


def _drop_tablespace(cur, maintenance_url: str, tablespace: str) -> None:
    """Drop ``tablespace`` and every database in it (their files may be gone already: PostgreSQL only warns)."""
    cur.execute(
        "SELECT datname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE t.spcname = %(t)s",
        {"t": tablespace},
    )
    for (db,) in cur.fetchall():
        drop_database(maintenance_url, db)
    cur.execute(sql.SQL("DROP TABLESPACE {}").format(sql.Identifier(tablespace)))


def ram_refusal(data_dir: Path, shm: Path = Path("/dev/shm")) -> str | None:
    """Why this machine's clones cannot go in RAM (no writable tmpfs at ``shm`` with :data:`RAM_NEEDED` free, as in
    a container's 64 MB /dev/shm), or None where they can."""
    if not data_dir.is_dir():
        return f"no local cluster at {data_dir}"
    if not shm.is_dir() or not os.access(shm, os.W_OK):
        return f"{shm} is missing or not writable"
    stat = os.statvfs(shm)
    free = stat.f_bavail * stat.f_frsize
    if free < RAM_NEEDED:
        return f"{shm} has {free / 1024**2:,.0f} MB free, under the {RAM_NEEDED / 1024**2:,.0f} MB the clones need"
    return None


def ram_tablespace(maintenance_url: str, data_dir: Path, lock_dir: Path, shm: Path = Path("/dev/shm")) -> str | None:
    """The tablespace in RAM for the clones on the cluster whose data directory is ``data_dir`` (made if missing,
    owned by the server's user), or None where :func:`ram_refusal` gives a reason or the role may not make one (a
    warning says why): the clones then go in the default tablespace, as on any other server."""
    if ram_refusal(data_dir, shm):
        return None
    boot = _boot_id()
    key = hashlib.sha256(str(data_dir).encode()).hexdigest()[:8]
    name = f"{RAM_PREFIX}{key}_{boot}"
    location = shm / f"geo_service_test_{key}_{boot}"
    with FileLock(str(lock_dir / f"{name}.lock")):
        conn = _autocommit(maintenance_url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT spcname FROM pg_tablespace WHERE spcname LIKE %(p)s", {"p": f"{RAM_PREFIX}{key}_%"})
                known = [r[0] for r in cur.fetchall()]
                for stale in (t for t in known if t != name):  # an earlier boot's: its files went with the RAM
                    _drop_tablespace(cur, maintenance_url, stale)
                if name in known and location.is_dir():
                    return name
                if name in known:  # its directory was removed by hand: start again
                    _drop_tablespace(cur, maintenance_url, name)
                elif location.exists():  # a removed cluster's of this data directory (same boot): nobody's now
                    shutil.rmtree(location)
                location.mkdir(mode=0o700)
                owner = data_dir.stat()
                if os.geteuid() == 0:
                    os.chown(location, owner.st_uid, owner.st_gid)
                cur.execute(
                    sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(sql.Identifier(name), sql.Literal(str(location)))
                )
                return name
        except (psycopg2.Error, OSError) as exc:
            warnings.warn(f"the test clones go on disk: no tablespace in RAM at {location}: {exc}", stacklevel=2)
            return None
        finally:
            conn.close()


def worker_id() -> str:
    """``gw0``, ``gw1``… under pytest-xdist, ``main`` otherwise: part of every per-run database name."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def drop_all(maintenance_url: str, prefix: str) -> list[str]:
    """Drop every test database of ``prefix`` (templates included): the next run starts from nothing."""
    names = database_names(maintenance_url, f"{prefix}\\_%")
    for name in names:
        _execute(maintenance_url, sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(name)))
        drop_database(maintenance_url, name)
    return names


if __name__ == "__main__":  # python -m tests.db_templates  (make test-db-clean)
    from tests.conftest import PREFIX, _server_url

    dropped = drop_all(with_database(_server_url(), "postgres"), PREFIX)
    print(f"dropped {len(dropped)} test databases of {PREFIX}")
