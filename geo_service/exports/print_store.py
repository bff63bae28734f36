"""Kept prints: a finished print is kept on disk under a key that holds its scenario's data version, so a second
request for the same print is a file read, not seconds of CPU (issue 20: 4.1-4.5 s on every request before).

The key is a digest of the code that draws prints (a new release draws them again), the database, the scenario's
own data version (:func:`geo_service.caching.scope_state`:
moved by any write the scenario reads, and only by those), the boundary set, the subject and every print
parameter. When the data version moves, the old key is never asked for again and the copy ages out. One folder
per deployment, shared by every worker of the host (a print made by one worker is served by all), bounded in
bytes: the least recently served copies go first. Writes are atomic (a temporary name, then ``os.replace``), and a
served copy is hard-linked into the response's own folder first, so evicting it mid-response is harmless.
Pure Python (no Flask): one store per app, on ``app.extensions``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

from geo_service.exports.vector import ExportFile

log = logging.getLogger(__name__)


class KeptPrints:
    def __init__(self, folder: str | os.PathLike, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.max_bytes = int(max_bytes)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_deployment(cls, database_url: str, max_bytes: int, folder: str | None = None) -> KeptPrints:
        """The store of the deployment using ``database_url``: ``folder`` if given, else one in the temporary
        directory named by a digest of the database (every worker of the host finds the same one)."""
        digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
        return cls(folder or Path(tempfile.gettempdir()) / f"geo-service-prints-{digest}", max_bytes)

    @staticmethod
    def key(state: tuple, parts: dict) -> str:
        """The key of a print: the code, the scope's state (database, scenario, data version) and its parameters."""
        body = {"code": code_version(), "state": [str(s) for s in state], "parts": parts}
        text = json.dumps(body, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str) -> ExportFile | None:
        """The kept print as an ExportFile of its own (its folder removed after the response), or None."""
        if self.max_bytes <= 0:
            return None
        meta_path = self.folder / f"{key}.json"
        try:
            meta = json.loads(meta_path.read_text())
            workdir = Path(tempfile.mkdtemp(prefix="geo-print-kept-"))
            path = workdir / meta["filename"]
            try:
                os.link(self.folder / f"{key}.file", path)
            except OSError as err:
                if not (self.folder / f"{key}.file").exists():
                    shutil.rmtree(workdir, ignore_errors=True)
                    raise FileNotFoundError(key) from err
                shutil.copyfile(self.folder / f"{key}.file", path)  # another file system: a copy
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            self.misses += 1
            return None
        os.utime(meta_path)  # recently served: evicted last
        self.hits += 1
        return ExportFile(path, meta["filename"], meta["media_type"], workdir, meta.get("data_line", ""))

    def put(self, key: str, export: ExportFile) -> None:
        """Keep a copy of ``export`` (the response still streams and removes its own)."""
        size = export.path.stat().st_size
        if self.max_bytes <= 0 or size > self.max_bytes // 4:
            return  # not kept: keeping is off, or one print would crowd out the rest
        meta = {"filename": export.filename, "media_type": export.media_type, "data_line": export.data_line}
        tmp = self.folder / f".{key}.{os.getpid()}.{threading.get_ident()}"
        try:
            try:
                os.link(export.path, tmp)
            except OSError:
                shutil.copyfile(export.path, tmp)
            os.replace(tmp, self.folder / f"{key}.file")
            Path(f"{tmp}.json").write_text(json.dumps(meta))
            os.replace(f"{tmp}.json", self.folder / f"{key}.json")  # the meta last: it says the file is whole
        except OSError as err:
            log.warning("a print could not be kept: %s", err)
            Path(tmp).unlink(missing_ok=True)
            return
        self._evict()

    def _evict(self) -> None:
        """Remove the least recently served prints until the folder is within ``max_bytes``."""
        with self._lock:
            kept = []
            for meta in self.folder.glob("*.json"):
                data = meta.with_suffix(".file")
                try:
                    kept.append((meta.stat().st_mtime, data.stat().st_size, meta, data))
                except FileNotFoundError:
                    continue
            total = sum(k[1] for k in kept)
            for _mtime, size, meta, data in sorted(kept, key=lambda k: k[0]):
                if total <= self.max_bytes:
                    break
                meta.unlink(missing_ok=True)
                data.unlink(missing_ok=True)
                total -= size

    def state(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses}


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the package's Python source, read once per process: a kept print never outlives the code
    that drew it (layout, wording and colours live in several modules)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
