"""``geo-service suggest``: propose networks that meet the size band with the fewest patients moved, as a new
draft plan (its slug is the last line printed)."""

from __future__ import annotations

import click

from geo_service.cli.context import database


@click.command()
@click.option("--scenario", default=None, help="Scenario or plan slug to start from.")
@click.option("--area", default=None, help="One commissioner area: ODS code (99J) or GSS code.")
@click.option("--boundary-set", default=None, help="Boundary set slug [the scenario's own]; without --area: all areas.")
@click.option("--min", "min_", type=int, default=None, help="Smallest network population [30000].")
@click.option("--max", "max_", type=int, default=None, help="Largest network population [50000].")
@click.option("--lock", "locks", multiple=True, help="Network code kept whole and untouched (repeatable).")
@click.option("--apart", "apart", multiple=True, help="Two practice ODS codes kept apart, 'A,B' (repeatable).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same suggestion.")
@click.option("--owner", default=None, help="Username that owns the draft plan [no owner: admins only].")
@click.option("--name", default=None, help="Name of the new plan [Suggested networks: <area>, from <scenario>].")
@click.option("--dry-run", is_flag=True, help="Print the scorecard and sentences; write nothing.")
@click.option("--quiet", is_flag=True, help="Print only the new plan's slug.")
@click.option("--worker", is_flag=True, help="Same as `geo-service worker`.")
def suggest(
    scenario: str | None,
    area: str | None,
    boundary_set: str | None,
    min_: int | None,
    max_: int | None,
    locks: tuple[str, ...],
    apart: tuple[str, ...],
    seed: int,
    owner: str | None,
    name: str | None,
    dry_run: bool,
    quiet: bool,
    worker: bool,
) -> None:
    """Suggest networks for an area (or every area of a boundary set): a new draft plan."""
    from geo_service.errors import InvalidParameter, NotFound
    from geo_service.suggest import service

    if worker:
        _work()
        return
    if not scenario:
        raise click.UsageError("Give --scenario SLUG (or --worker).")
    if not area and not boundary_set:
        raise click.UsageError("Give --area CODE or --boundary-set SLUG.")
    pairs = []
    for raw in apart:
        parts = [p.strip() for p in raw.split(",")]
        if len(parts) != 2 or not all(parts):
            raise click.BadParameter(f"'{raw}' is not two ODS codes separated by a comma.", param_hint="--apart")
        pairs.append(parts)
    body = {"boundary_set": boundary_set, "area": area, "min": min_, "max": max_, "locks": list(locks),
            "apart": pairs, "seed": seed, "name": name}  # fmt: skip
    req = service.parse_request(scenario, body)
    db = database()
    try:
        with db.connection() as conn:
            owner_id = None
            if owner:
                from geo_service.db.repositories import users as users_repo

                row = users_repo.find_user(conn, owner)
                if row is None:
                    raise NotFound(f"No user '{owner}'.", parameter="owner")
                owner_id = row["id"]

            def progress(i: int, n: int, code: str) -> None:
                if not quiet and n > 1 and (i % 20 == 0 or i == n):
                    click.echo(f"areas: {i}/{n} {code}", err=True)

            comp = service.compute(conn, req, progress=progress)
            if dry_run:
                out = service.report(comp)
                conn.rollback()
            else:
                out = service.write_plan(conn, comp, req, owner_id)
            if not quiet:
                _print(out)
            if not dry_run:
                click.echo(out["plan"]["slug"])
    except InvalidParameter:
        raise
    finally:
        db.close()


def _work() -> None:
    """Run the job queue's worker for background suggestions until Ctrl+C or SIGTERM (several share the queue)."""
    import asyncio
    import signal

    from geo_service.cli.context import settings
    from geo_service.suggest import jobs

    s = settings()
    db = database(s)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo("suggest worker: waiting for jobs (Ctrl+C stops)", err=True)
        await jobs.work(s.database_url, db, stop, s.job_heartbeat_seconds, s.job_stalled_seconds, name="cli")

    try:
        asyncio.run(main())
    finally:
        db.close()


@click.command()
def worker() -> None:
    """Run background suggestions (jobs asked for over the web) until stopped; start as many as you like."""
    _work()


def _print(out: dict) -> None:
    card = out["scorecard"]
    b, a = card["before"], card["after"]
    click.echo(f"areas: {card['areas']} ({len(card['areas_infeasible'])} cannot meet the rules)")
    click.echo(f"networks in band: {b['in_band']}/{b['networks']} -> {a['in_band']}/{a['networks']}")
    click.echo(
        f"patients moved: {card['patients_moved']:,} of {card['patients']:,} ({card['patients_moved_share']:.1%});"
        f" practices moved: {card['practices_moved']:,}; networks touched: {card['networks_touched']:,}"
    )
    click.echo(f"dominated networks: {b['dominated']} -> {a['dominated']}; crossing areas: {b['crossing_areas']} -> "
               f"{a['crossing_areas']}; not contiguous: {b['not_contiguous']} -> {a['not_contiguous']}")  # fmt: skip
    click.echo(f"farthest member from its network: {b['farthest_member_km']} km -> {a['farthest_member_km']} km")
    for n in out["notes"]:
        click.echo(f"note [{n['area']}] {n['message']}")
    for m in out["moves"][:200]:
        click.echo(m["sentence"])
    if len(out["moves"]) > 200:
        click.echo(f"… and {len(out['moves']) - 200:,} more moves")
