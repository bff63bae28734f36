"""Database layer: connection pool, migrations, the local cluster, and the repositories (all SQL lives here)."""
