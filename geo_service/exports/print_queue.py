"""Bounded concurrency for print rendering: a few prints at once per process, a short queue, then a 503.

A print takes seconds of CPU and, drawn at 600 dpi on A3, more than a gigabyte in its drawing process
(:mod:`geo_service.exports.raster`). Without a bound, eight concurrent prints starve the CPU until every one
of them (and ``/healthz`` behind them) times out. Here at most ``slots`` prints render at once in this
process, at most ``waiting`` more wait (up to ``wait_s`` each) for a slot, and any further one is refused at
once with :class:`PrintQueueFull` (503 with ``Retry-After``): a clear "come back shortly" instead of a
timeout. Pure Python (no Flask): one queue per app, kept on ``app.extensions``.

Issue 21: that bound was per process, so 2 workers × 4 threads still let 16–32 prints hold every thread. With
``shared_key`` (the deployment's database, say) a print also needs one of ``total_slots`` machine-wide slots:
lock files (``fcntl.flock``) in one folder that every worker of the host opens, released by the kernel even
when a worker dies. No slot free within ``wait_s``: 503 with ``Retry-After``, like a full queue.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geo_service.errors import GeoServiceError


class PrintQueueFull(GeoServiceError):
    status = 503
    title = "Print queue full"

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail, retry_after=retry_after_s)
        self.retry_after_s = retry_after_s


class PrintQueue:
    def __init__(
        self,
        slots: int = 1,
        waiting: int = 3,
        wait_s: float = 25.0,
        retry_after_s: int = 10,
        shared_key: str | None = None,
        total_slots: int | None = None,
        shared_dir: str | os.PathLike | None = None,
    ) -> None:
        self.slots = max(1, int(slots))
        self.total_slots = max(1, int(total_slots or self.slots))
        self._slot_dir: Path | None = None
        if shared_key is not None:
            digest = hashlib.sha256(shared_key.encode()).hexdigest()[:16]
            self._slot_dir = Path(shared_dir or tempfile.gettempdir()) / f"geo-service-print-slots-{digest}"
            self._slot_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.waiting = max(0, int(waiting))
        self.wait_s = float(wait_s)
        self.retry_after_s = int(retry_after_s)
        self._cond = threading.Condition()
        self._running = 0
        self._queued = 0

    def _full(self, why: str) -> PrintQueueFull:
        return PrintQueueFull(
            f"{why}: try again in {self.retry_after_s} seconds.",
            retry_after_s=self.retry_after_s,
        )

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a rendering slot for the block; raises PrintQueueFull when none is free in time."""
        with self._cond:
            if self._running >= self.slots:
                if self._queued >= self.waiting:
                    raise self._full(f"{self._running} prints are being drawn and {self._queued} are waiting")
                self._queued += 1
                deadline = time.monotonic() + self.wait_s
                try:
                    while self._running >= self.slots:
                        remaining = deadline - time.monotonic()
                        if remaining <= 0:
                            raise self._full("No print slot came free in time")
                        self._cond.wait(remaining)
                finally:
                    self._queued -= 1
            self._running += 1
        try:
            held = self._machine_slot(time.monotonic() + self.wait_s)
            try:
                yield
            finally:
                if held is not None:
                    os.close(held)  # releases the flock
        finally:
            with self._cond:
                self._running -= 1
                self._cond.notify()

    def _machine_slot(self, deadline: float) -> int | None:
        """A machine-wide slot (an flock'd file descriptor), waiting until ``deadline``; None when not shared."""
        if self._slot_dir is None:
            return None
        while True:
            for number in range(self.total_slots):
                fd = os.open(self._slot_dir / f"slot-{number}", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    os.close(fd)
            if time.monotonic() >= deadline:
                raise self._full(f"All {self.total_slots} print slots of this server are drawing")
            time.sleep(0.2)

    def refuse_if_full(self) -> None:
        """PrintQueueFull at once when a new print could neither be drawn nor wait here now (issue 21: the cheap
        refusal, before any query; :meth:`slot` decides again when the print really asks for one)."""
        with self._cond:
            if self._running >= self.slots and self._queued >= self.waiting:
                raise self._full(f"{self._running} prints are being drawn and {self._queued} are waiting")

    def state(self) -> dict[str, int]:
        with self._cond:
            return {"running": self._running, "waiting": self._queued, "slots": self.slots}
