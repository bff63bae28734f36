"""Every table whose writes move the data version also says whose data changed (0055): the shared facts, or one
scenario's. A table with only the first would leave other scenarios' caches and ETags stale after an import."""

from __future__ import annotations

import psycopg2


def test_every_versioned_table_notes_whose_data_changed(fresh_db_url):
    conn = psycopg2.connect(fresh_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """
                SELECT c.relname,
                       bool_or(t.tgname LIKE %(version)s) AS versioned,
                       bool_or(t.tgname LIKE %(scoped)s) AS scoped
                  FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE NOT t.tgisinternal
                 GROUP BY c.relname
                """,
                {"version": "%\\_version\\_%", "scoped": "%\\_zz\\_scope\\_%"},
            )
            rows = cur.fetchall()
    finally:
        conn.close()
    versioned = {name for name, v, _ in rows if v}
    assert "practice_commissioner_statements" in versioned
    assert sorted(name for name, v, scoped in rows if v and not scoped) == []


def test_a_commissioner_statement_moves_the_shared_version(fresh_db_url):
    conn = psycopg2.connect(fresh_db_url)

    def shared() -> int:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT shared_version FROM data_version")
            return cur.fetchone()[0]

    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO extracts (kind, file_name, extract_date) VALUES ('pcn', 'map.csv', '2021-03-01')"
                " RETURNING id"
            )
            extract_id = cur.fetchone()[0]
            cur.execute("INSERT INTO practices (ods_code) VALUES ('Y99999') RETURNING id")
            practice_id = cur.fetchone()[0]
        before = shared()
        with conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO practice_commissioner_statements (extract_id, practice_id, commissioner_code)"
                " VALUES (%s, %s, '99J')",
                (extract_id, practice_id),
            )
        after = shared()
        assert after > before
    finally:
        conn.close()
