"""Import a whole vintage named by a small TOML manifest, in one all-or-nothing transaction.

Manifest sections (file paths relative to ``--root``, default: the manifest's folder)::

    name = "England 2019/20"
    [[lookups]]      file = "lookups/ccg19_names_codes_apr2019.csv"
    [[boundaries]]   file, set, level, vintage [, code_field, gss_field, name_field, layer]
    [practices]      file
    [pcn]            files = [details, core_partners] (or file = workbook), scenario
    [list_sizes]     file
    [postcodes]      file
    [[networks]]     file, scenario [, code_field, name_field, layer]
    [[payments]]     file, financial_year = "2019/20" [, extract_date]   (dated 1 April of the year by default)
    [deprivation]    file, extract_date
    [age_bands]      file, extract_date

Practices, pcn, postcodes, boundaries and networks also take ``extract_date = 2019-12-01`` (a TOML date):
those files carry no date of their own; list sizes take theirs from EXTRACT_DATE.
Steps run in that order (ePCN before list sizes and postcodes, because it may add core partners
that are not GP practices in the register) whatever order the manifest lists them in.

The bundle pins its scenario to its own extracts: the scenario is judged on the bundle's register,
list-size and postcode files, dated by its ePCN extract date, whatever else the database holds.
"""

from __future__ import annotations

import logging
import time
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path, PurePath, PureWindowsPath

from tqdm import tqdm

from geo_service.db.repositories import scope as scope_repo
from geo_service.db.repositories.imports_networks import scenario_id as find_scenario
from geo_service.errors import InputFileError
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.files import check_file, display_name
from geo_service.ingest.list_sizes import import_list_sizes
from geo_service.ingest.lookups import import_lookup
from geo_service.ingest.networks import import_network_polygons
from geo_service.ingest.pcn import import_pcn
from geo_service.ingest.postcodes import import_postcodes
from geo_service.ingest.practice_profiles import import_age_bands, import_deprivation, import_payments
from geo_service.ingest.practices import import_practices
from geo_service.ingest.report import ImportReport
from geo_service.ingest.transaction import import_transaction
from geo_service.slugs import slugify

log = logging.getLogger(__name__)

# section → (allowed keys, required keys, repeatable)
SECTIONS: dict[str, tuple[set[str], set[str], bool]] = {
    "lookups": ({"file"}, {"file"}, True),
    "boundaries": (
        {"file", "set", "level", "vintage", "code_field", "gss_field", "name_field", "layer", "extract_date"},
        {"file", "set", "level", "vintage"},
        True,
    ),
    "practices": ({"file", "extract_date"}, {"file"}, False),
    "list_sizes": ({"file"}, {"file"}, False),
    "postcodes": ({"file", "extract_date"}, {"file"}, False),
    "pcn": ({"file", "files", "scenario", "extract_date"}, {"scenario"}, False),
    "networks": ({"file", "scenario", "code_field", "name_field", "layer", "extract_date"}, {"file", "scenario"}, True),
    "payments": ({"file", "financial_year", "extract_date"}, {"file", "financial_year"}, True),
    "deprivation": ({"file", "extract_date"}, {"file", "extract_date"}, False),
    "age_bands": ({"file", "extract_date"}, {"file", "extract_date"}, False),
}
TOP_LEVEL = {"name", "description"}


def read_manifest(path: str | Path, root: str | Path | None = None) -> tuple[dict, list[tuple[str, Callable]]]:
    """Parse and check a manifest. Returns (manifest, steps) where each step is (label, fn(conn))."""
    p = check_file(path)
    name = display_name(p)
    try:
        manifest = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(name, f"not a valid TOML manifest ({exc})") from exc
    base = Path(root) if root is not None else p.parent
    for key, value in manifest.items():
        if key in TOP_LEVEL:
            continue
        if key not in SECTIONS:
            raise InputFileError(name, f"unknown section [{key}]; known: {', '.join(SECTIONS)}", field=key)
        allowed, required, repeatable = SECTIONS[key]
        entries = value if isinstance(value, list) else [value]
        if not repeatable and len(entries) > 1:
            raise InputFileError(name, f"[{key}] may appear only once", field=key)
        for entry in entries:
            if not isinstance(entry, dict):
                raise InputFileError(name, f"[{key}] must be a table", field=key)
            unknown = set(entry) - allowed
            missing = required - set(entry)
            if unknown:
                raise InputFileError(name, f"[{key}] has unknown keys {sorted(unknown)}", field=key)
            if missing:
                raise InputFileError(name, f"[{key}] lacks {sorted(missing)}", field=key)
            if "extract_date" in entry and not isinstance(entry["extract_date"], date):
                raise InputFileError(name, f"[{key}] extract_date must be a TOML date like 2019-12-01", field=key)
            files = entry.get("files", []) + ([entry["file"]] if "file" in entry else [])
            if not files:
                raise InputFileError(name, f"[{key}] names no file", field=key)
            for f in files:
                _confined(base, f, name, key)

    def entries(key: str) -> list[dict]:
        value = manifest.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def f(entry: dict) -> Path:
        return _confined(base, entry["file"], name)

    steps: list[tuple[str, Callable]] = []
    for e in entries("lookups"):
        steps.append((f"lookup {e['file']}", lambda c, e=e: import_lookup(c, f(e))))
    for e in entries("boundaries"):
        steps.append(
            (
                f"boundaries {e['set']}",
                lambda c, e=e: import_boundaries(
                    c,
                    f(e),
                    e["set"],
                    e["level"],
                    e["vintage"],
                    code_field=e.get("code_field"),
                    gss_field=e.get("gss_field"),
                    name_field=e.get("name_field"),
                    layer=e.get("layer"),
                    extract_date=e.get("extract_date"),
                ),
            )
        )
    for e in entries("practices"):
        steps.append(("practices", lambda c, e=e: import_practices(c, f(e), e.get("extract_date"))))
    for e in entries("pcn"):
        files = [_confined(base, x, name) for x in e.get("files", [])] + ([f(e)] if "file" in e else [])
        steps.append(
            (
                f"pcn {e['scenario']}",
                lambda c, e=e, files=files: import_pcn(c, files, e["scenario"], e.get("extract_date")),
            )
        )
    for e in entries("list_sizes"):
        steps.append(("list sizes", lambda c, e=e: import_list_sizes(c, f(e))))
    for e in entries("postcodes"):
        steps.append(("postcodes", lambda c, e=e: import_postcodes(c, f(e), e.get("extract_date"))))
    for e in entries("networks"):
        steps.append(
            (
                f"network polygons {e['scenario']}",
                lambda c, e=e: import_network_polygons(
                    c,
                    f(e),
                    e["scenario"],
                    code_field=e.get("code_field"),
                    name_field=e.get("name_field"),
                    layer=e.get("layer"),
                    extract_date=e.get("extract_date"),
                ),
            )
        )
    for e in entries("payments"):
        steps.append(
            (
                f"payments {e['financial_year']}",
                lambda c, e=e: import_payments(c, f(e), e["financial_year"], e.get("extract_date")),
            )
        )
    for e in entries("deprivation"):
        steps.append(("deprivation", lambda c, e=e: import_deprivation(c, f(e), e["extract_date"])))
    for e in entries("age_bands"):
        steps.append(("age bands", lambda c, e=e: import_age_bands(c, f(e), e["extract_date"])))
    if not steps:
        raise InputFileError(name, "the manifest names no files")
    return manifest, steps


def _confined(base: Path, entry: object, manifest: str, key: str | None = None) -> Path:
    """The manifest's file path inside ``base`` (``--root``): a relative path that stays inside it after
    resolving '..' and symbolic links. The message names the path as written, never the file's content."""
    if not isinstance(entry, str) or not entry.strip():
        raise InputFileError(manifest, f"[{key}] file must be a relative path in quotes", field=key)
    written = PurePath(entry)
    if written.is_absolute() or PureWindowsPath(entry).is_absolute() or PureWindowsPath(entry).drive:
        raise InputFileError(
            manifest, f"[{key}] file {entry!r} is an absolute path; give it relative to --root", field=key
        )
    root = base.resolve()
    target = (root / written).resolve()
    if not target.is_relative_to(root):
        raise InputFileError(manifest, f"[{key}] file {entry!r} is outside the --root folder", field=key)
    if not target.is_file():
        raise InputFileError(manifest, f"[{key}] file not found: {base / written}", field=key)
    return target


def import_bundle(target, manifest_path: str | Path, root: str | Path | None = None) -> list[ImportReport]:
    """Run every import of the manifest inside one transaction. Returns the reports in order."""
    manifest, steps = read_manifest(manifest_path, root)
    reports: list[ImportReport] = []
    with import_transaction(target) as conn:
        for label, step in tqdm(steps, desc="bundle", unit="step", disable=None):
            started = time.perf_counter()
            result = step(conn)
            log.info("bundle step %s took %.2f s", label, time.perf_counter() - started)
            reports.extend(result if isinstance(result, list) else [result])
        _pin_scenarios(conn, manifest, reports)
    return reports


def _pin_scenarios(conn, manifest: dict, reports: list[ImportReport]) -> None:
    """Pin each scenario the bundle loaded to the bundle's own extracts and its ePCN date."""
    by_kind = {r.kind: r.extract_id for r in reports if r.extract_id is not None}
    pins = {
        "register_extract_id": by_kind.get("practices"),
        "list_size_extract_id": by_kind.get("list sizes"),
        "location_extract_id": by_kind.get("postcodes"),
    }
    pcn = manifest.get("pcn")
    if not pcn:
        return
    sid = find_scenario(conn, slugify(pcn["scenario"]))
    changes = {k: v for k, v in pins.items() if v is not None}
    if pcn.get("extract_date"):
        changes["as_of"] = pcn["extract_date"]
    if sid is not None and changes:
        scope_repo.set_scenario(conn, sid, changes)
