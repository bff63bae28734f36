"""Prints made in the background (issue 21): a web thread waits a second or two for a print, never its whole making.

Before, a request for a print that was not kept held its web thread until the print was drawn, up to
``GEO_PRINT_WAIT_S`` (25 s) of queueing plus the drawing: a few print requests held every thread of a worker.
Now the request hands the print to a background thread of this process (which queues for a slot and runs the
child process, :mod:`.print_process`) and waits at most ``answer_s`` for it. Not ready by then:
:class:`PrintNotReady` (the route answers 202 Accepted with ``Retry-After`` and the same address to come back to).
The finished print goes into the kept-print store (:mod:`.print_store`), where the next request for it, whichever
worker it reaches, finds it.

Only one making of a print at a time on a host: the maker holds an exclusive ``flock`` on ``<key>.making`` in the
store's folder (released by the kernel if the worker dies), so a request reaching another worker while it is being
made waits on the store, not on a second making. A making that failed leaves ``<key>.failed`` (what went wrong,
for :data:`FAILURE_KEPT_S`), so the polling browser is told, not asked to come back for ever. Pure Python (no Flask).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from geo_service.errors import GeoServiceError, InvalidParameter, NotFound
from geo_service.exports.print_queue import PrintQueueFull
from geo_service.exports.raster import RenderFailed
from geo_service.exports.vector import ExportFile

log = logging.getLogger(__name__)

FAILURE_KEPT_S = 30.0  # a failed making is reported to the requests of the next half-minute, then tried again
POLL_S = 0.1  # how often a request waiting on another worker's making looks in the store
KEYS_KEPT = 4096  # remembered print keys (a few hundred bytes each): at most a megabyte or two


class PrintNotReady(Exception):  # noqa: N818 - not an error: "come back shortly"
    """The print is being made (here or by another worker) and was not ready within the short wait."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"the print is being made: come back in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass
class _Making:
    done: threading.Event = field(default_factory=threading.Event)
    result: ExportFile | None = None
    error: BaseException | None = None
    claimed: bool = False  # the finished print was handed to a request (its file is then that response's)
    finished_at: float = 0.0


class PrintJobs:
    """The background makings of this process, keyed by the kept-print key, and the host-wide claim on each."""

    def __init__(self, folder: str | os.PathLike, answer_s: float = 2.0, retry_after_s: int = 2) -> None:
        self.folder = Path(folder)
        self.answer_s = float(answer_s)
        self.retry_after_s = int(retry_after_s)
        self._lock = threading.Lock()
        self._makings: dict[str, _Making] = {}
        self._keys: OrderedDict[tuple, str] = OrderedDict()  # (data state, print job) -> kept-print key

    def known_key(self, data_state: object, job: object) -> str | None:
        """The kept-print key worked out earlier for ``job`` while the data was at ``data_state``, or None."""
        with self._lock:
            key = self._keys.get((data_state, job))
            if key is not None:
                self._keys.move_to_end((data_state, job))
            return key

    def remember_key(self, data_state: object, job: object, key: str) -> None:
        with self._lock:
            self._keys[(data_state, job)] = key
            while len(self._keys) > KEYS_KEPT:
                self._keys.popitem(last=False)

    def get_or_make(self, key: str, kept: Callable[[], ExportFile | None], make: Callable[[], ExportFile]):
        """``(file, kept)`` for the print ``key``: ``kept()`` reads the store, ``make()`` makes it (queue, child,
        store). Starts the making in the background when nobody is making it; waits up to ``answer_s``; raises
        :class:`PrintNotReady` when that was not enough, or the making's own error."""
        deadline = time.monotonic() + self.answer_s
        while True:
            copy = kept()
            if copy is not None:
                return copy, True
            self._raise_recent_failure(key)
            making = self._start(key, make)
            if making is not None:  # made (or being made) by this process: wait on its event
                making.done.wait(max(0.0, deadline - time.monotonic()))
                if not making.done.is_set():
                    raise PrintNotReady(self.retry_after_s)
                return self._collect(key, making, kept)
            if time.monotonic() >= deadline:  # another worker is making it
                raise PrintNotReady(self.retry_after_s)
            time.sleep(POLL_S)

    def _collect(self, key: str, making: _Making, kept: Callable[[], ExportFile | None]):
        with self._lock:
            if self._makings.get(key) is making:
                del self._makings[key]
            mine = not making.claimed
            making.claimed = True
        if making.error is not None:
            raise making.error
        if mine and making.result is not None:
            return making.result, False
        copy = kept()  # another request took the made file: this one reads the kept copy
        if copy is None:
            raise PrintNotReady(self.retry_after_s)
        return copy, True

    def _start(self, key: str, make: Callable[[], ExportFile]) -> _Making | None:
        """This process's making of ``key`` (started now if no worker of the host is making it), or None when
        another worker holds the claim."""
        with self._lock:
            self._sweep()
            making = self._makings.get(key)
            if making is not None:
                return making
            fd = os.open(self.folder / f"{key}.making", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return None
            making = self._makings[key] = _Making()
        threading.Thread(target=self._run, args=(key, making, make, fd), daemon=True, name="print").start()
        return making

    def _run(self, key: str, making: _Making, make: Callable[[], ExportFile], fd: int) -> None:
        try:
            making.result = make()
        except BaseException as err:  # noqa: BLE001 - handed to the requests waiting on it
            making.error = err
            self._note_failure(key, err)
        finally:
            (self.folder / f"{key}.making").unlink(missing_ok=True)  # no file left behind per print ever made
            os.close(fd)  # releases the claim: the print is kept (or failed) by now
            making.finished_at = time.monotonic()
            making.done.set()
            if making.error is not None:  # the waiting requests have it; later ones read <key>.failed or retry
                with self._lock:
                    if self._makings.get(key) is making:
                        del self._makings[key]

    def _sweep(self) -> None:
        """Drop finished prints nobody came back for within FAILURE_KEPT_S (their files; the kept copy stays).
        Called with the lock held."""
        now = time.monotonic()
        for key, making in list(self._makings.items()):
            if making.done.is_set() and now - making.finished_at > FAILURE_KEPT_S:
                del self._makings[key]
                if not making.claimed and making.result is not None:
                    making.claimed = True
                    making.result.cleanup()

    def _note_failure(self, key: str, err: BaseException) -> None:
        if isinstance(err, PrintQueueFull):
            return  # a full queue is "come back in a few seconds" (its Retry-After), not a failure of this print
        if isinstance(err, GeoServiceError):
            said = {"class": type(err).__name__, "detail": err.detail, "extra": err.extra}
        else:
            said = {"class": "RenderFailed", "detail": f"the print could not be made ({err})", "extra": {}}
            log.error("a print could not be made", exc_info=err)
        path = self.folder / f"{key}.failed"
        try:
            path.write_text(json.dumps(said))
        except OSError as exc:
            log.warning("a print's failure could not be noted: %s", exc)

    def _raise_recent_failure(self, key: str) -> None:
        path = self.folder / f"{key}.failed"
        try:
            if time.time() - path.stat().st_mtime > FAILURE_KEPT_S:
                path.unlink(missing_ok=True)
                return
            said = json.loads(path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return
        raise _error_from(said)

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until every making this process has started is finished (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                busy = [m for m in self._makings.values() if not m.done.is_set()]
            if not busy:
                return True
            if not busy[0].done.wait(max(0.0, deadline - time.monotonic())):
                return False

    def state(self) -> dict[str, int]:
        with self._lock:
            return {"making": sum(1 for m in self._makings.values() if not m.done.is_set())}


def _error_from(said: dict) -> GeoServiceError:
    detail, extra = said["detail"], said.get("extra") or {}
    if said["class"] == "PrintQueueFull":
        return PrintQueueFull(detail, retry_after_s=int(extra.get("retry_after", 10)))
    if said["class"] == "NotFound":
        return NotFound(detail, **extra)
    if said["class"] == "InvalidParameter":
        return InvalidParameter(extra.get("parameter"), detail, extra.get("allowed"))
    return RenderFailed(detail)
