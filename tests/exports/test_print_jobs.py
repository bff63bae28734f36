"""Issue 21: the background makings of prints (:mod:`geo_service.exports.print_jobs`), two "workers" sharing one
kept-print folder (two PrintJobs on the same folder, as two gunicorn workers of a host): one making per print
across them, a failure told to whoever asks next rather than a 202 for ever. Pure Python: the making is a function
here; the routes' own tests (test_print_accepted.py) make real prints."""

from __future__ import annotations

import threading

import pytest

from geo_service.exports.print_jobs import PrintJobs, PrintNotReady
from geo_service.exports.raster import RenderFailed
from geo_service.exports.vector import ExportFile

DEADLINE_S = 60


def _file(tmp_path) -> ExportFile:
    folder = tmp_path / "made"
    folder.mkdir(exist_ok=True)
    (folder / "map.pdf").write_bytes(b"%PDF-1.7 test")
    return ExportFile(folder / "map.pdf", "map.pdf", "application/pdf", folder, "")


def test_one_making_per_print_across_workers(tmp_path):
    first, second = PrintJobs(tmp_path, answer_s=0), PrintJobs(tmp_path, answer_s=0)
    release, calls = threading.Event(), []

    def slow_make():
        calls.append("made")
        release.wait(DEADLINE_S)
        return _file(tmp_path)

    with pytest.raises(PrintNotReady) as not_ready:
        first.get_or_make("k1", lambda: None, slow_make)
    assert not_ready.value.retry_after_s == 2
    with pytest.raises(PrintNotReady):  # the other worker sees the claim and does not make it again
        second.get_or_make("k1", lambda: None, lambda: calls.append("made twice"))
    release.set()
    assert first.wait_idle(DEADLINE_S)
    made, kept = first.get_or_make("k1", lambda: None, lambda: calls.append("made again"))
    assert not kept and made.path.read_bytes().startswith(b"%PDF") and calls == ["made"]
    assert not (tmp_path / "k1.making").exists()


def test_a_failed_making_is_told_to_the_next_request_in_any_worker(tmp_path):
    first, second = PrintJobs(tmp_path, answer_s=DEADLINE_S), PrintJobs(tmp_path, answer_s=0)

    def broken():
        raise RenderFailed("the print could not be made (exit code 1)")

    with pytest.raises(RenderFailed, match="exit code 1"):
        first.get_or_make("k2", lambda: None, broken)
    with pytest.raises(RenderFailed, match="exit code 1"):  # another worker: from <key>.failed, not made again
        second.get_or_make("k2", lambda: None, lambda: pytest.fail("made again"))
