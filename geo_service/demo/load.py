"""Load (or refresh, or remove) the synthetic demo dataset in one transaction.

The demo lives in its own dataset (``synthetic``): its extracts, boundary set and scenarios carry that
dataset, so no query of a real scenario can reach a demo row, and removing it touches nothing real.
"""

from __future__ import annotations

import logging
from datetime import date

from geo_service.db.pool import Database
from geo_service.db.repositories import demo_data, extracts, meta
from geo_service.demo.generator import LIST_SIZE_DATE, SEED, DemoDataset, generate
from geo_service.ingest.transaction import defer_kept_state

log = logging.getLogger(__name__)

MEMBERSHIP_START = date(2019, 7, 1)
BOUNDARIES_FROM = date(2019, 4, 1)
AS_OF = LIST_SIZE_DATE  # the demo scenarios are judged as of the demo's list-size date


def remove_demo(db: Database) -> dict:
    """Delete the synthetic dataset (real data untouched). Returns what was deleted."""
    with db.connection(statement_timeout_ms=0) as conn:
        counts = demo_data.delete_synthetic(conn)
    log.info("demo data removed: %s", counts)
    return counts


def load_demo(db: Database, only_if_empty: bool = False, seed: int = SEED) -> dict:
    """Replace the demo data with a fresh generation. Returns counts (or ``skipped``)."""
    with db.connection(statement_timeout_ms=0) as conn:
        if only_if_empty and not meta.is_empty(conn):
            return {"skipped": "database already has data"}
        data: DemoDataset = generate(seed)
        # Like an import, the load refreshes the kept scenario state once, at its end, not after each statement.
        with defer_kept_state(conn):
            network_count = _write(conn, data, seed)
    counts = {
        "areas": len(data.areas),
        "practices": len(data.practices),
        "scenarios": len(data.scenarios),
        "networks": network_count,
    }
    log.info("demo data loaded: %s", counts)
    return counts


def _write(conn, data: DemoDataset, seed: int) -> int:
    """Write the generated dataset in the caller's transaction, replacing the synthetic one. Returns the number of
    networks written."""
    demo_data.delete_synthetic(conn)
    label = f"synthetic demo generator (seed {seed})"

    def extract(kind: str, day: date) -> int:
        return extracts.record_extract(conn, kind, f"{label}: {kind}", extract_date=day, dataset="synthetic")

    src = extract("pcn", AS_OF)
    ids = {
        "reg": extract("practices", AS_OF),
        "ls": extract("list_sizes", AS_OF),
        "loc": extract("postcodes", AS_OF),
    }
    bs_id = demo_data.insert_boundary_set(
        conn, data.boundary_set, extract("boundaries", BOUNDARIES_FROM), BOUNDARIES_FROM
    )
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
        ids,
    )
    network_count = 0
    for slug, scen in data.scenarios.items():
        sid = demo_data.insert_scenario(
            conn, slug, scen["name"], "Synthetic demonstration data, not real.", src, AS_OF, ids
        )
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
            conn, sid, [(n.code, m, MEMBERSHIP_START, None) for n in scen["networks"] for m in n.members], src
        )
        network_count += len(scen["networks"])
    return network_count
