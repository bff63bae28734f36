"""gunicorn's exit hooks (``geo_service/web/gunicorn_conf.py``): a worker or master that stops cleanly runs its exit
handlers and ends at once, without the interpreter's teardown; one that failed exits as before, with its status.

Each case runs in a fork of this process (cheap: nothing is imported again), standing in for a gunicorn worker:
the hook either ends the child itself or returns, and the child then ends with a status saying so."""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from geo_service.web import gunicorn_conf

RETURNED = 99  # the child's status when the hook returned instead of ending the process


def _in_child(ending: BaseException, hook, marks: Path, worker_pid: int | None = None) -> int:
    """Exit status of a fork that raises ``ending`` and calls ``hook`` from a ``finally`` (as gunicorn does)."""
    pid = os.fork()
    if pid == 0:
        try:
            atexit._clear()  # not this test process's handlers (pytest's, the pool's): only the one below
            atexit.register(lambda: marks.write_text("exit handlers ran"))
            me = SimpleNamespace(pid=os.getpid() if worker_pid is None else worker_pid)
            try:
                try:
                    raise ending
                finally:
                    hook(me)
            except BaseException:  # noqa: BLE001 - whatever it was, the child must not go on running pytest
                pass
            os._exit(RETURNED)
        finally:
            os._exit(RETURNED + 1)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_worker_that_stops_cleanly_runs_its_exit_handlers_and_ends_at_once(tmp_path):
    marks = tmp_path / "marks"
    assert _in_child(SystemExit(0), lambda w: gunicorn_conf.worker_exit(None, w), marks) == 0
    assert marks.read_text() == "exit handlers ran"


@pytest.mark.parametrize("ending", [SystemExit(3), SystemExit(-1), RuntimeError("boom")])
def test_a_worker_that_failed_exits_as_before(tmp_path, ending):
    marks = tmp_path / "marks"
    assert _in_child(ending, lambda w: gunicorn_conf.worker_exit(None, w), marks) == RETURNED
    assert not marks.exists()


def test_the_masters_call_for_a_worker_it_found_gone_is_left_alone(tmp_path):
    marks = tmp_path / "marks"
    other = os.getpid()  # any pid but the child's own
    assert _in_child(SystemExit(0), lambda w: gunicorn_conf.worker_exit(None, w), marks, worker_pid=other) == RETURNED
    assert not marks.exists()


@pytest.mark.parametrize("ending", [StopIteration(), KeyboardInterrupt()])
def test_the_master_ends_at_once_after_a_clean_stop(tmp_path, ending):
    marks = tmp_path / "marks"
    assert _in_child(ending, lambda _: gunicorn_conf.on_exit(None), marks) == 0
    assert marks.read_text() == "exit handlers ran"


def test_a_master_halting_for_an_error_exits_as_before(tmp_path):
    from gunicorn.errors import HaltServer

    marks = tmp_path / "marks"
    assert _in_child(HaltServer("worker failed to boot", 3), lambda _: gunicorn_conf.on_exit(None), marks) == RETURNED
    assert not marks.exists()
    assert sys.exc_info() == (None, None, None)
