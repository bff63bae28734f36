"""Fixtures of the maps tests: the mixed database is ``mixed_db_url`` in tests/fixtures_real.py."""
