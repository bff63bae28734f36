"""The database stopped, restarted and frozen (SIGSTOP) under concurrent requests (issue 14 rows 4 and 5).

While the database is down or frozen every answer is a problem+json 503 with ``Retry-After`` within 2 s,
never a 500 and never a hang; once it is back the app recovers within 5 s without a restart.
"""

from __future__ import annotations

import threading
import time

from tests.faults.conftest import Answer, Traffic, get

PATHS = ("/api/v1/scenarios", "/healthz", "/api/v1/scenarios", "/api/v1/scenarios/none-such/checks")
OK = {"/api/v1/scenarios": 200, "/healthz": 200, "/api/v1/scenarios/none-such/checks": 404}
DEADLINE_S = 2.0
RECOVERY_S = 5.0


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


def _assert_never_broken(answers: list[Answer]) -> None:
    """No 500, no dropped connection, no answer slower than the deadline, whatever the database does."""
    broken = [a for a in answers if a.status not in (OK[a.path], 503)]
    assert not broken, _describe(broken)
    slow = [a for a in answers if a.seconds > DEADLINE_S]
    assert not slow, _describe(slow)


def _assert_recovered(answers: list[Answer], back_at: float) -> None:
    late = [a for a in answers if a.started >= back_at + RECOVERY_S]
    assert late, "no request after the recovery window"
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
    with Traffic(base, PATHS, threads=4) as traffic:
        time.sleep(0.5)
        fault_cluster.stop()
        down_at = time.monotonic()
        time.sleep(1.5)
        up_from = time.monotonic()
        fault_cluster.start()
        back_at = time.monotonic()
        time.sleep(RECOVERY_S + 0.7)
    answers = traffic.answers
    _assert_never_broken(answers)
    _assert_unavailable([a for a in answers if a.started >= down_at and a.started + a.seconds <= up_from])
    _assert_recovered(answers, back_at)
    # in practice recovery is immediate: the first answer started after the start is already a success
    first = min((a for a in answers if a.started >= back_at), key=lambda a: a.started)
    assert first.status == OK[first.path], _describe([first])


def test_frozen_database_answers_503_in_time_and_recovers(fault_cluster, fault_server):
    base = fault_server.url
    _fill_pool(base)
    with Traffic(base, PATHS, threads=4) as traffic:
        time.sleep(0.5)
        fault_cluster.freeze()
        frozen_at = time.monotonic()
        time.sleep(3.0)
        thaw_from = time.monotonic()
        fault_cluster.thaw()
        back_at = time.monotonic()
        time.sleep(RECOVERY_S + 0.7)
    answers = traffic.answers
    _assert_never_broken(answers)
    _assert_unavailable([a for a in answers if a.started >= frozen_at + 0.05 and a.started + a.seconds <= thaw_from])
    _assert_recovered(answers, back_at)


def test_frozen_postmaster_alone(fault_cluster, fault_server):
    """Backends still run, new connections cannot be made: answers stay quick, /healthz says 503."""
    base = fault_server.url
    _fill_pool(base)
    with Traffic(base, PATHS[:1], threads=6) as traffic:  # more clients than idle connections at times
        time.sleep(0.3)
        fault_cluster.freeze(postmaster_only=True)
        frozen_at = time.monotonic()
        health = [get(base, "/healthz") for _ in range(3)]
        time.sleep(1.5)
        fault_cluster.thaw()
        back_at = time.monotonic()
        time.sleep(RECOVERY_S + 0.5)
    _assert_unavailable(health)
    assert all(a.seconds <= DEADLINE_S for a in health), _describe(health)
    _assert_never_broken(traffic.answers)
    assert any(a.started >= frozen_at for a in traffic.answers)
    _assert_recovered(traffic.answers, back_at)
    assert get(base, "/healthz").status == 200
