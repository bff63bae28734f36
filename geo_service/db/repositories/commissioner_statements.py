"""A membership file's own commissioner column, kept as dated statements of the file's extract.

The ePCN core partners' ``practice_parent_ccg_code`` and the QOF mapping's ``CCG_ODS_CODE`` say which
commissioner each practice had on the file's date. They are facts of that extract (never of the memberships,
which plans edit), read with every other dated statement by the SQL function ``practice_commissioners``.
"""

from __future__ import annotations

from collections.abc import Iterable


def add_statements(conn, extract_id: int, rows: Iterable[tuple[str, str]]) -> int:
    """Statements (practice ODS code, commissioner ODS code) of ``extract_id``; identities are added for
    practices seen nowhere else. Rows already stated alike are left alone. Returns how many were written."""
    pairs = sorted({(p, c) for p, c in rows if p and c})
    if not pairs:
        return 0
    practices = [p for p, _ in pairs]
    codes = [c for _, c in pairs]
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO practices (ods_code)
               SELECT DISTINCT x.ods FROM unnest(%(p)s::text[]) x (ods)
                WHERE NOT EXISTS (SELECT 1 FROM practices p WHERE p.ods_code = x.ods)""",
            {"p": practices},
        )
        cur.execute(
            """INSERT INTO practice_commissioner_statements (extract_id, practice_id, commissioner_code)
               SELECT %(e)s, p.id, x.comm
                 FROM unnest(%(p)s::text[], %(c)s::text[]) x (ods, comm) JOIN practices p ON p.ods_code = x.ods
               ON CONFLICT (extract_id, practice_id) DO UPDATE SET commissioner_code = EXCLUDED.commissioner_code
                WHERE practice_commissioner_statements.commissioner_code IS DISTINCT FROM EXCLUDED.commissioner_code""",
            {"e": extract_id, "p": practices, "c": codes},
        )
        return cur.rowcount
