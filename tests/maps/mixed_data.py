"""Names in the database holding the synthetic demo AND the real England bundles (fixture ``mixed_db_url`` in
``tests/fixtures_real.py``): the maps must keep each scenario to its own dataset, dates and extracts."""

from __future__ import annotations

REAL_2019, REAL_2022 = "epcn-december-2019", "epcn-april-2022"
DEMO, DEMO_PROPOSAL = "demo-as-registered", "demo-commissioner-proposal"
