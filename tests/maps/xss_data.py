"""A demo database whose names from data are XSS probes (import the fixture where it is needed)."""

from __future__ import annotations

import psycopg2
import pytest

XSS = "<img src=x onerror=alert(1)>"
XSS_PRACTICE = "Z00001"


@pytest.fixture
def xss_db_url(fresh_demo_db_url):
    fresh_db_url = fresh_demo_db_url
    with psycopg2.connect(fresh_db_url) as conn, conn.cursor() as cur:
        # The practice's name in the demo scenarios' register extract (a fact, not a practice column).
        cur.execute(
            """UPDATE practice_register r SET name = %(x)s
                 FROM practices p, scenarios s
                WHERE p.id = r.practice_id AND p.ods_code = %(code)s
                  AND s.slug = 'demo-as-registered' AND r.extract_id = s.register_extract_id""",
            {"x": XSS, "code": XSS_PRACTICE},
        )
        cur.execute("UPDATE networks SET name = %(x)s || ' PCN' WHERE code = 'UZ0001'", {"x": XSS})
        cur.execute("UPDATE areas SET name = %(x)s || ' CCG' WHERE ods_code = 'ZA1'", {"x": XSS})
        cur.execute("UPDATE scenarios SET name = %(x)s || ' scenario' WHERE slug = 'demo-as-registered'", {"x": XSS})
    conn.close()
    return fresh_db_url
