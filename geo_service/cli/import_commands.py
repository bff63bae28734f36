"""``geo-service import …``: load the official NHS and ONS files. The commands only call ``geo_service.ingest``."""

from __future__ import annotations

import time

import click

from geo_service.cli.context import database

_file = click.Path(dir_okay=False, path_type=str)


def _extract_date(f):
    return click.option(
        "--extract-date",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Date of the extract (YYYY-MM-DD), kept as provenance; the file itself carries none.",
    )(f)


def _day(value):
    return value.date() if value is not None else None


def _echo(reports, started: float) -> None:
    for r in reports if isinstance(reports, list) else [reports]:
        click.echo(r.summary())
    click.echo(f"done in {time.perf_counter() - started:.1f} s")


@click.group(name="import")
def import_group() -> None:
    """Import official data files (one transaction per command; re-running changes nothing)."""


@import_group.command()
@click.argument("file", type=_file)
@click.option("--set", "set_name", required=True, help='Boundary set name, e.g. "CCG April 2019".')
@click.option("--level", required=True, help="ccg, sub_icb, icb, stp, region, local_authority or other.")
@click.option("--vintage", required=True, help="e.g. 2019-04.")
@click.option("--code-field", help="ODS code field (default: guessed, e.g. CCG19CDH).")
@click.option("--gss-field", help="GSS code field (default: guessed, e.g. CCG19CD).")
@click.option("--name-field", help="Name field (default: guessed, e.g. CCG19NM).")
@click.option("--layer", help="Layer name, for a GeoPackage with several layers.")
@_extract_date
def boundaries(file, set_name, level, vintage, code_field, gss_field, name_field, layer, extract_date) -> None:
    """Boundary polygons: GeoJSON, zipped Shapefile, GeoPackage or KML, any CRS."""
    from geo_service.ingest.boundaries import import_boundaries

    t = time.perf_counter()
    _echo(
        import_boundaries(
            database(),
            file,
            set_name,
            level,
            vintage,
            code_field=code_field,
            gss_field=gss_field,
            name_field=name_field,
            layer=layer,
            extract_date=_day(extract_date),
        ),
        t,
    )


@import_group.command()
@click.argument("file", type=_file)
@_extract_date
def practices(file, extract_date) -> None:
    """The ODS GP practice register (epraccur.csv, headerless or with a header; .gz accepted)."""
    from geo_service.ingest.practices import import_practices

    t = time.perf_counter()
    _echo(import_practices(database(), file, _day(extract_date)), t)


@import_group.command(name="list-sizes")
@click.argument("file", type=_file)
def list_sizes(file) -> None:
    """NHS Digital Patients Registered at a GP Practice (gp-reg-pat-prac-all.csv)."""
    from geo_service.ingest.list_sizes import import_list_sizes

    t = time.perf_counter()
    _echo(import_list_sizes(database(), file), t)


@import_group.command()
@click.argument("file", type=_file)
@_extract_date
def postcodes(file, extract_date) -> None:
    """Postcode centroids (Code-Point Open or ONS Postcode Directory layout) → practice locations."""
    from geo_service.ingest.postcodes import import_postcodes

    t = time.perf_counter()
    _echo(import_postcodes(database(), file, _day(extract_date)), t)


@import_group.command()
@click.argument("files", nargs=-1, required=True, type=_file)
@click.option("--scenario", required=True, help='Scenario name, e.g. "ePCN December 2019".')
@_extract_date
def pcn(files, scenario, extract_date) -> None:
    """NHS Digital ePCN: the .xlsx workbook, or its PCN details and core partner sheets as CSV."""
    from geo_service.ingest.pcn import import_pcn

    t = time.perf_counter()
    _echo(import_pcn(database(), list(files), scenario, _day(extract_date)), t)


@import_group.command()
@click.argument("file", type=_file)
@click.option("--scenario", required=True, help="The scenario whose networks get the polygons.")
@click.option("--code-field", help="Network code field (default: guessed, e.g. pcn_code).")
@click.option("--name-field", help="Network name field (optional).")
@click.option("--layer", help="Layer name, for a GeoPackage with several layers.")
@_extract_date
def networks(file, scenario, code_field, name_field, layer, extract_date) -> None:
    """Proposed network polygons attached to a scenario's networks by code."""
    from geo_service.ingest.networks import import_network_polygons

    t = time.perf_counter()
    _echo(
        import_network_polygons(
            database(),
            file,
            scenario,
            code_field=code_field,
            name_field=name_field,
            layer=layer,
            extract_date=_day(extract_date),
        ),
        t,
    )


@import_group.command()
@click.argument("file", type=_file)
def lookup(file) -> None:
    """An ODS ↔ GSS code lookup (columns like CCG19CD, CCG19CDH, CCG19NM)."""
    from geo_service.ingest.lookups import import_lookup

    t = time.perf_counter()
    _echo(import_lookup(database(), file), t)


@import_group.command()
@click.argument("manifest", type=_file)
@click.option(
    "--root", type=click.Path(file_okay=False, path_type=str), help="Folder the manifest's paths are relative to."
)
def bundle(manifest, root) -> None:
    """A whole vintage named by a TOML manifest (see data/manifests/), in one transaction."""
    from geo_service.ingest.bundle import import_bundle

    t = time.perf_counter()
    _echo(import_bundle(database(), manifest, root=root), t)


@import_group.command()
@click.argument("file", type=_file)
@click.option("--financial-year", required=True, help="The year the file pays, e.g. 2019/20.")
@_extract_date
def payments(file, financial_year, extract_date) -> None:
    """NHS Payments to General Practice, England (one financial year's CSV)."""
    from geo_service.ingest.practice_profiles import import_payments

    t = time.perf_counter()
    _echo(import_payments(database(), file, financial_year, _day(extract_date)), t)


@import_group.command()
@click.argument("file", type=_file)
@click.option(
    "--extract-date", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Date of the scores (YYYY-MM-DD)."
)
def deprivation(file, extract_date) -> None:
    """OHID Fingertips 93553: IMD score of each practice's registered population."""
    from geo_service.ingest.practice_profiles import import_deprivation

    t = time.perf_counter()
    _echo(import_deprivation(database(), file, _day(extract_date)), t)


@import_group.command(name="age-bands")
@click.argument("file", type=_file)
@click.option(
    "--extract-date", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="Date of the counts (YYYY-MM-DD)."
)
def age_bands(file, extract_date) -> None:
    """Registered patients by age band (PRACTICE_CODE, TOTAL, 0_64, 65OV)."""
    from geo_service.ingest.practice_profiles import import_age_bands

    t = time.perf_counter()
    _echo(import_age_bands(database(), file, _day(extract_date)), t)
