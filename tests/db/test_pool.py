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
