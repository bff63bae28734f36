"""Load (or refresh) the synthetic demo dataset in one transaction."""

from __future__ import annotations

import logging
from datetime import date

from geo_service.db.pool import Database
from geo_service.db.repositories import demo_data, meta, sources
from geo_service.demo.generator import BOUNDARY_SET, SEED, DemoDataset, generate

log = logging.getLogger(__name__)

DEMO_PRACTICE_PREFIX = "Z"
MEMBERSHIP_START = date(2019, 7, 1)


def load_demo(db: Database, only_if_empty: bool = False, seed: int = SEED) -> dict:
    """Replace the demo data with a fresh generation. Returns counts (or ``skipped``)."""
    with db.connection(statement_timeout_ms=0) as conn:
        if only_if_empty and not meta.is_empty(conn):
            return {"skipped": "database already has data"}
        data: DemoDataset = generate(seed)
        demo_data.delete_demo(conn, BOUNDARY_SET["slug"], list(data.scenarios), DEMO_PRACTICE_PREFIX)
        src = sources.record_source(
            conn, "demo", f"synthetic demo generator (seed {seed})", extract_date=date(2024, 10, 1)
        )
        bs_id = demo_data.insert_boundary_set(conn, data.boundary_set, src)
        demo_data.insert_areas(conn, bs_id, [(a.ods_code, a.gss_code, a.name, a.geom.wkb_hex) for a in data.areas])
        demo_data.insert_practices(
            conn,
            [
                (
                    p.ods_code,
                    p.name,
                    p.postcode,
                    p.commissioner_code,
                    p.status,
                    p.list_size,
                    p.list_size_date,
                    p.extended_hours,
                    p.location.wkb_hex if p.location is not None else None,
                )
                for p in data.practices
            ],
            src,
        )
        network_count = 0
        for slug, scen in data.scenarios.items():
            sid = demo_data.insert_scenario(conn, slug, scen["name"], "Synthetic demonstration data, not real.", src)
            demo_data.insert_networks(
                conn,
                sid,
                [
                    (
                        n.code,
                        n.name,
                        n.lead_commissioner_code,
                        n.geom.wkb_hex if n.geom is not None else None,
                        n.geom_made_valid,
                    )
                    for n in scen["networks"]
                ],
                src,
            )
            demo_data.insert_memberships(
                conn, sid, [(n.code, m, MEMBERSHIP_START) for n in scen["networks"] for m in n.members], src
            )
            network_count += len(scen["networks"])
    counts = {
        "areas": len(data.areas),
        "practices": len(data.practices),
        "scenarios": len(data.scenarios),
        "networks": network_count,
    }
    log.info("demo data loaded: %s", counts)
    return counts
