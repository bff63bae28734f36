"""Fixtures of the maps tests: the mixed database (demo + real bundles), see :mod:`tests.maps.mixed_data`."""

from tests.maps.mixed_data import mixed_db_url  # noqa: F401 - fixture
