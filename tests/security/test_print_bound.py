"""Issue 21 finding 10: the print bound was per process, so several workers together let 16-32 prints hold every
thread. Now every worker of a host shares ``total_slots`` (lock files); a print finding none free within its
wait is refused with 503 + Retry-After."""

from __future__ import annotations

import multiprocessing
import threading

import pytest

from geo_service.exports.print_queue import PrintQueue, PrintQueueFull


def _hold_slot_in_other_process(folder: str, ready, release) -> None:
    queue = PrintQueue(slots=1, waiting=0, wait_s=0.1, shared_key="db-x", total_slots=1, shared_dir=folder)
    with queue.slot():
        ready.set()
        release.wait(30)


def test_a_print_in_another_worker_takes_the_machine_slot(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    worker = ctx.Process(target=_hold_slot_in_other_process, args=(str(tmp_path), ready, release))
    worker.start()
    try:
        assert ready.wait(30)
        here = PrintQueue(slots=1, waiting=0, wait_s=0.5, shared_key="db-x", total_slots=1, shared_dir=tmp_path)
        with pytest.raises(PrintQueueFull) as refused:
            with here.slot():
                pass
        assert refused.value.status == 503 and refused.value.retry_after_s > 0
        other_db = PrintQueue(slots=1, waiting=0, wait_s=0.5, shared_key="db-y", total_slots=1, shared_dir=tmp_path)
        with other_db.slot():  # another deployment's slots are its own
            pass
    finally:
        release.set()
        worker.join(30)
    with here.slot():  # the slot is free again once the other worker's print ended
        pass


def test_slot_is_released_when_a_worker_dies(tmp_path):
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    worker = ctx.Process(target=_hold_slot_in_other_process, args=(str(tmp_path), ready, release))
    worker.start()
    assert ready.wait(30)
    worker.kill()
    worker.join(30)
    queue = PrintQueue(slots=1, waiting=0, wait_s=2, shared_key="db-x", total_slots=1, shared_dir=tmp_path)
    with queue.slot():
        pass


def test_threads_of_one_worker_share_the_machine_slots(tmp_path):
    queue = PrintQueue(slots=2, waiting=0, wait_s=0.3, shared_key="db-z", total_slots=1, shared_dir=tmp_path)
    inside, leave = threading.Event(), threading.Event()

    def hold():
        with queue.slot():
            inside.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert inside.wait(10)
    try:
        with pytest.raises(PrintQueueFull):
            with queue.slot():
                pass
    finally:
        leave.set()
        holder.join(10)
