"""Read-only figures for operators (issue 26): what the metrics endpoint reports from the database."""

from __future__ import annotations


def suggest_job_counts(conn) -> dict[str, int]:
    """Suggested-network jobs by state."""
    with conn.cursor() as cur:
        cur.execute("SELECT state, count(*) FROM suggest_jobs GROUP BY state")
        return {state: int(n) for state, n in cur.fetchall()}
