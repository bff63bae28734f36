import psycopg2
import pytest

from geo_service.db.pool import Database
from geo_service.errors import DatabaseUnavailable


def test_statement_timeout_is_set_per_connection_and_overridable(fresh_db_url):
    db = Database(fresh_db_url, statement_timeout_ms=1234)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "1234ms"
        with db.connection(statement_timeout_ms=50) as conn, conn.cursor() as cur:
            with pytest.raises(psycopg2.errors.QueryCanceled):
                cur.execute("SELECT pg_sleep(1)")
        with db.connection() as conn, conn.cursor() as cur:  # the override ended with its transaction
            cur.execute("SHOW statement_timeout")
            assert cur.fetchone()[0] == "1234ms"
    finally:
        db.close()


def test_transaction_rolls_back_on_error_and_commits_otherwise(fresh_db_url):
    db = Database(fresh_db_url)
    try:
        with pytest.raises(RuntimeError):
            with db.connection() as conn, conn.cursor() as cur:
                cur.execute("INSERT INTO practices (ods_code) VALUES ('R1')")
                raise RuntimeError("boom")
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("INSERT INTO practices (ods_code) VALUES ('C1')")
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT ods_code FROM practices ORDER BY ods_code")
            assert [r[0] for r in cur.fetchall()] == ["C1"]
    finally:
        db.close()


def test_unreachable_database_is_a_clear_error():
    db = Database("postgresql://x:y@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable, match="unreachable"):
        with db.connection():
            pass


def _backend_pid(db: Database) -> int:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def test_a_dead_pooled_connection_is_replaced_on_checkout(demo_db_url):
    """The server ended the pooled connection's backend (as a restart does): the next checkout gets a new one."""
    db = Database(demo_db_url)
    try:
        first = _backend_pid(db)
        with psycopg2.connect(demo_db_url) as admin, admin.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(%(pid)s, 5000)", {"pid": first})
            assert cur.fetchone()[0] is True
        admin.close()
        second = _backend_pid(db)  # before the fix: OperationalError "terminating connection"
        assert second != first
        assert _backend_pid(db) == second  # a live one is reused, not reopened
        assert db.stats() == {"idle": 1, "lent": 0, "opening": 0}
    finally:
        db.close()


def test_an_exhausted_pool_answers_unavailable_at_its_checkout_deadline(demo_db_url):
    import time

    db = Database(demo_db_url, maxconn=1, checkout_timeout_s=0.3)
    try:
        with db.connection():
            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable, match="busy"):  # before: psycopg2.pool.PoolError (a 500)
                with db.connection():
                    pass
            assert 0.25 <= time.monotonic() - started < 1.0
        with db.connection() as conn, conn.cursor() as cur:  # the slot is free again
            cur.execute("SELECT 1")
    finally:
        db.close()


def test_connections_carry_keepalives_and_the_client_check(demo_db_url):
    db = Database(demo_db_url)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            params = conn.get_dsn_parameters()
            assert params["keepalives"] == "1" and params["connect_timeout"] == "2"
            assert int(params["keepalives_idle"]) <= 10 and params["tcp_user_timeout"] == "10000"
            cur.execute(
                "SELECT current_setting('client_connection_check_interval'), current_setting('tcp_keepalives_idle')"
            )
            assert cur.fetchone() == ("1s", "10")
    finally:
        db.close()


def test_a_query_timeout_is_unavailable_and_keeps_the_connection(demo_db_url):
    db = Database(demo_db_url, statement_timeout_ms=100)
    try:
        pid = _backend_pid(db)
        with pytest.raises(DatabaseUnavailable, match="too long"):
            with db.connection() as conn, conn.cursor() as cur:
                cur.execute("SELECT pg_sleep(2)")
        assert _backend_pid(db) == pid
    finally:
        db.close()


def test_server_answers_probe(demo_db_url):
    from tests.conftest import free_port

    db = Database(demo_db_url)
    try:
        _backend_pid(db)
        assert db.server_answers() is True
        db._server = ("127.0.0.1", free_port())  # nothing listens there
        assert db.server_answers() is False
    finally:
        db.close()
