"""The database stopped, restarted and frozen (SIGSTOP) under concurrent requests (issue 14 rows 4 and 5).

While the database is down or frozen every answer is a problem+json 503 with ``Retry-After`` within the app's
bound (from the pool's timeouts, plus slack scaled by the machine's load as measured before the fault),
never a 500 and never a hang; once it is back the app recovers without a restart and stays recovered.

Recovery is waited for by polling the recorded answers (``Traffic.wait_for_recovery``), not by a fixed window: a
first run that builds templates beside these tests can make recovery slower, never wrong. How long recovery took
is printed with ``-s`` (``benchmarks/harness_timings.py`` is where speed is judged).
"""

from __future__ import annotations

import threading
import time

from geo_service.db.pool import Database
from tests.faults.conftest import Answer, Traffic, get

PATHS = ("/api/v1/scenarios", "/healthz", "/api/v1/scenarios", "/api/v1/scenarios/none-such/checks")
OK = {"/api/v1/scenarios": 200, "/healthz": 200, "/api/v1/scenarios/none-such/checks": 404}
# The app's own bound on an answer while the database is away, from the pool's settings (geo_service/db/pool.py):
# a request may wait for a connection (checkout timeout), and a query blocked on a frozen server is cut off once
# the watchdog has seen it lent for ``liveness_after_s`` and two probes of ``probe_timeout_s`` went unanswered.
# On a loaded machine every answer is slower, so slack grows with the slowest ordinary answer measured in the
# same test before the fault. A hang is still caught: it never returns.
_POOL = Database("postgresql://unused", watchdog=True)
APP_BOUND_S = _POOL.checkout_timeout_s + _POOL.liveness_after_s + 2 * _POOL.probe_timeout_s
MIN_SLACK_S = 0.5


def _deadline(answers: list[Answer], before: float) -> float:
    """APP_BOUND_S plus slack: at least MIN_SLACK_S, or four times the slowest answer started before the fault."""
    ordinary = [a.seconds for a in answers if a.started + a.seconds <= before and a.status == OK[a.path]]
    return APP_BOUND_S + max(MIN_SLACK_S, 4 * max(ordinary, default=0.0))


WHILE_AWAY = 4  # answers that must come back while the database is away before it returns
AFTER_RECOVERY = 8  # answers checked after recovery: none may fail again


def _fill_pool(base: str, n: int = 6) -> None:
    """n requests at once, so the pool holds several connections (each becomes a dead one on restart)."""
    threads = [threading.Thread(target=get, args=(base, "/api/v1/scenarios")) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _describe(answers: list[Answer]) -> list[tuple]:
    return [(a.path, a.status, round(a.seconds, 2), a.content_type) for a in answers]


def _assert_unavailable(answers: list[Answer]) -> None:
    assert answers, "no request was made while the database was away"
    bad = [a for a in answers if a.status != 503 or a.content_type != "application/problem+json"]
    assert not bad, _describe(bad)
    assert all(a.retry_after for a in answers), _describe(answers)


def _assert_never_broken(answers: list[Answer], fault_at: float) -> None:
    """No 500, no dropped connection, no answer slower than the deadline, whatever the database does."""
    broken = [a for a in answers if a.status not in (OK[a.path], 503)]
    assert not broken, _describe(broken)
    deadline = _deadline(answers, fault_at)
    slow = [a for a in answers if a.seconds > deadline]
    assert not slow, (f"deadline {deadline:.2f} s", _describe(slow))


def _recover(traffic: Traffic, back_at: float) -> float:
    """Wait (polling) until the app answers again, then for more answers; the moment it recovered."""
    recovered_at = traffic.wait_for_recovery(back_at, OK)
    traffic.wait_for_answers(recovered_at, AFTER_RECOVERY * 2)
    print(f"recovered {recovered_at - back_at:.2f} s after the database came back")
    return recovered_at


def _assert_recovered(answers: list[Answer], recovered_at: float) -> None:
    late = [a for a in answers if a.started >= recovered_at]
    assert len(late) >= AFTER_RECOVERY, "too few requests after recovery"
    assert all(a.status == OK[a.path] for a in late), _describe(late)


def test_first_requests_after_a_restart_succeed(fault_cluster, fault_server):
    base = fault_server.url
    _fill_pool(base)
    fault_cluster.stop()
    fault_cluster.start()
    answers = [get(base, "/api/v1/scenarios") for _ in range(8)] + [get(base, "/healthz")]
    assert [a.status for a in answers] == [200] * 9, _describe(answers)


def test_stop_and_start_under_traffic(fault_cluster, fault_server):
    base = fault_server.url
    _fill_pool(base)
    traffic_from = time.monotonic()
    with Traffic(base, PATHS, threads=4) as traffic:
        traffic.wait_for_answers(traffic_from, 8)  # traffic flowing (two answers a thread) before the fault
        fault_cluster.stop()
        down_at = time.monotonic()
        traffic.wait_for_answers(down_at, WHILE_AWAY)
        up_from = time.monotonic()
        fault_cluster.start()
        back_at = time.monotonic()
        recovered_at = _recover(traffic, back_at)
    answers = traffic.answers
    _assert_never_broken(answers, down_at)
    _assert_unavailable([a for a in answers if a.started >= down_at and a.started + a.seconds <= up_from])
    _assert_recovered(answers, recovered_at)
    # in practice recovery is immediate: the first answer started after the start is already a success
    first = min((a for a in answers if a.started >= back_at), key=lambda a: a.started)
    assert first.status == OK[first.path], _describe([first])


def test_frozen_database_answers_503_in_time_and_recovers(fault_cluster, fault_server):
    base = fault_server.url
    _fill_pool(base)
    traffic_from = time.monotonic()
    with Traffic(base, PATHS, threads=4) as traffic:
        traffic.wait_for_answers(traffic_from, 8)  # traffic flowing (two answers a thread) before the fault
        fault_cluster.freeze()
        frozen_at = time.monotonic()
        traffic.wait_for_answers(frozen_at + 0.05, WHILE_AWAY)
        thaw_from = time.monotonic()
        fault_cluster.thaw()
        back_at = time.monotonic()
        recovered_at = _recover(traffic, back_at)
    answers = traffic.answers
    _assert_never_broken(answers, frozen_at)
    _assert_unavailable([a for a in answers if a.started >= frozen_at + 0.05 and a.started + a.seconds <= thaw_from])
    _assert_recovered(answers, recovered_at)


def test_frozen_postmaster_alone(fault_cluster, fault_server):
    """Backends still run, new connections cannot be made: answers stay quick, /healthz says 503."""
    base = fault_server.url
    _fill_pool(base)
    traffic_from = time.monotonic()
    with Traffic(base, PATHS[:1], threads=6) as traffic:  # more clients than idle connections at times
        traffic.wait_for_answers(traffic_from, 6)  # traffic flowing before the fault
        fault_cluster.freeze(postmaster_only=True)
        frozen_at = time.monotonic()
        health = [get(base, "/healthz") for _ in range(3)]
        traffic.wait_for_answers(frozen_at, WHILE_AWAY)
        fault_cluster.thaw()
        back_at = time.monotonic()
        recovered_at = _recover(traffic, back_at)
    _assert_unavailable(health)
    deadline = _deadline(traffic.answers, frozen_at)
    assert all(a.seconds <= deadline for a in health), (f"deadline {deadline:.2f} s", _describe(health))
    _assert_never_broken(traffic.answers, frozen_at)
    assert any(a.started >= frozen_at for a in traffic.answers)
    _assert_recovered(traffic.answers, recovered_at)
    assert get(base, "/healthz").status == 200
