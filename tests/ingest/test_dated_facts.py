"""Dated facts across extracts: a file loaded later never changes what a scenario pinned to another extract
sees, whatever the order the files arrive in, and loading a file again changes nothing at all."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from geo_service.db.repositories import scope as scope_repo
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.bundle import import_bundle
from geo_service.ingest.list_sizes import import_list_sizes
from geo_service.ingest.lookups import import_lookup
from geo_service.ingest.networks import import_network_polygons
from geo_service.ingest.pcn import import_pcn
from geo_service.ingest.postcodes import import_postcodes
from geo_service.ingest.practices import import_practices
from geo_service.scope import resolve_scope
from tests.ingest.conftest import DATA, in_scope, list_sizes, register, snapshot, state_of

EPCN = ["epcn_pcn_details.csv", "epcn_core_partner_details.csv"]


def _inside(folder, file) -> str:
    """The file's path relative to the manifest's folder (manifest paths may not leave it): fixture files are
    copied in beside it, with the same name and content, so they are the same extracts."""
    file = Path(file)
    if not file.is_relative_to(folder):
        target = folder / "fixtures" / file.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(file, target)
        file = target
    return file.relative_to(folder).as_posix()


def _manifest(path, scenario: str, as_of: str, **files) -> None:
    """A bundle of the given files with the fixture boundaries and ePCN files, paths relative to its folder."""
    here = path.parent
    lines = [
        f'name = "{scenario}"',
        "[[boundaries]]",
        f'file = "{_inside(here, DATA / "ccg_boundaries.geojson")}"',
        'set = "Test CCGs 2019"',
        'level = "ccg"',
        'vintage = "2019-04"',
    ]
    for section, (file, extract_date) in files.items():
        lines += [f"[{section}]", f'file = "{_inside(here, file)}"'] + (
            [f"extract_date = {extract_date}"] if extract_date else []
        )
    lines += [
        "[pcn]",
        "files = [" + ", ".join(f'"{_inside(here, DATA / f)}"' for f in EPCN) + "]",
        f'scenario = "{scenario}"',
        f"extract_date = {as_of}",
    ]
    path.write_text("\n".join(lines) + "\n")


def _counts(db, scenario: str) -> dict:
    with db.connection() as conn:
        return scope_repo.practice_counts(conn, resolve_scope(conn, scenario).values())


def _sizes_in_scope(state: dict[str, dict]) -> dict[str, int]:
    """Known list sizes of the scope's in-scope practices (what network populations add up)."""
    return {code: state[code]["list_size"] for code in in_scope(state) if state[code]["list_size"] is not None}


def test_an_older_list_size_file_after_a_newer_one_changes_nothing_for_the_newer(fresh_db, tmp_path):
    text = (DATA / "gp-reg-pat-prac-all.csv").read_text()
    text = text.replace("01JAN2021", "01APR2022").replace(",5000", ",5200").replace(",7000", ",7300")
    newer = tmp_path / "newer" / "gp-reg-pat-prac-all.csv"  # the NHS files all have this name
    newer.parent.mkdir()
    newer.write_text(text)
    manifest = tmp_path / "newer.toml"
    _manifest(
        manifest,
        "Newer sizes",
        "2022-04-27",
        practices=(DATA / "epraccur_headerless.csv", "2022-03-01"),
        list_sizes=(newer, None),
    )
    reports = import_bundle(fresh_db, manifest)
    newer_id = next(r.extract_id for r in reports if r.kind == "list sizes")
    newer_facts = list_sizes(fresh_db, newer_id)
    apr = date(2022, 4, 1)
    assert [(c, n, d) for c, n, d, _ccg, _ons in newer_facts] == [
        ("A81001", 5200, apr),
        ("A81002", 7300, apr),
        ("A81004", 3000, apr),
        ("X99999", 100, apr),
    ]
    pinned_before = state_of(fresh_db, "newer-sizes")

    older = import_list_sizes(fresh_db, DATA / "gp-reg-pat-prac-all.csv")  # January 2021, loaded later
    assert older.extract_id != newer_id
    assert (older.added, older.unchanged) == (4, 0)

    assert list_sizes(fresh_db, newer_id) == newer_facts
    state = state_of(fresh_db, "newer-sizes")
    assert state == pinned_before
    assert _sizes_in_scope(state) == {
        "A81001": 5200,
        "A81002": 7300,
        "A81004": 3000,
    }
    assert {r["list_size_date"] for r in state.values() if r["list_size"] is not None} == {apr}
    with fresh_db.connection() as conn:
        scope = resolve_scope(conn, "newer-sizes")
    assert (scope.extract_id("list_sizes"), scope.extract_origin["list_sizes"]) == (newer_id, "pinned")
    # A scenario that is not pinned takes the list-size extract nearest its date: here the older one.
    import_pcn(fresh_db, [DATA / f for f in EPCN], "Unpinned 2021", date(2021, 2, 1))
    with fresh_db.connection() as conn:
        scope = resolve_scope(conn, "unpinned-2021")
    assert (scope.extract_id("list_sizes"), scope.extract_origin["list_sizes"]) == (older.extract_id, "nearest")
    assert state_of(fresh_db, "unpinned-2021")["A81001"]["list_size"] == 5000


def test_a_practice_gone_from_the_newer_register_is_only_in_the_older(fresh_db, tmp_path):
    old_manifest = tmp_path / "old.toml"
    _manifest(old_manifest, "Old register", "2019-12-04", practices=(DATA / "epraccur_headerless.csv", "2019-12-01"))
    old_reports = import_bundle(fresh_db, old_manifest)
    old_id = next(r.extract_id for r in old_reports if r.kind == "practices")
    old_facts = register(fresh_db, old_id)
    # The newer register no longer lists A81004 (it closed and was removed from the file).
    lines = (DATA / "epraccur_header.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    newer = tmp_path / "epraccur_2022-03.csv"
    newer.write_text("".join(line for line in lines if not line.startswith("A81004,")), encoding="utf-8")
    new_manifest = tmp_path / "new.toml"
    _manifest(new_manifest, "New register", "2022-04-27", practices=(newer, "2022-03-01"))
    new_reports = import_bundle(fresh_db, new_manifest)
    new_id = next(r.extract_id for r in new_reports if r.kind == "practices")
    assert new_id != old_id

    assert "A81004" not in {r[0] for r in register(fresh_db, new_id)}
    assert register(fresh_db, old_id) == old_facts
    old_state, new_state = state_of(fresh_db, "old-register"), state_of(fresh_db, "new-register")
    assert in_scope(old_state) == {"A81001", "A81002", "A81004"}
    assert in_scope(new_state) == {"A81001", "A81002"}
    # A81004 is still a member in the ePCN file: in the newer scope it is a member that is in no register,
    # named as the membership file names it, never an active GP practice.
    gone = new_state["A81004"]
    assert (gone["in_register"], gone["active_gp"], gone["status"], gone["name"]) == (
        False,
        False,
        None,
        "NO POSTCODE MATCH",
    )
    assert old_state["A81004"]["in_register"] and old_state["A81004"]["status"] == "active"
    assert _counts(fresh_db, "old-register")["active"] == 3
    assert _counts(fresh_db, "new-register")["active"] == 2
    with fresh_db.connection() as conn:
        assert resolve_scope(conn, "old-register").extract_id("register") == old_id
        assert resolve_scope(conn, "new-register").extract_id("register") == new_id
    # Loading the older register again (after the newer) changes nothing, for either scenario.
    before = snapshot(fresh_db)
    again = import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    assert (again.extract_id, again.added) == (old_id, 0)
    assert snapshot(fresh_db) == before


def test_reimporting_each_kind_is_a_no_op(fresh_db):
    reports = import_bundle(fresh_db, DATA / "bundle.toml")
    before = snapshot(fresh_db)
    epcn = [DATA / f for f in EPCN]
    again = [
        import_lookup(fresh_db, DATA / "ccg_names_codes.csv"),
        import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04"),
        import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1)),
        *import_pcn(fresh_db, epcn, "Test ePCN 2019", date(2019, 12, 4)),
        import_list_sizes(fresh_db, DATA / "gp-reg-pat-prac-all.csv"),
        import_postcodes(fresh_db, DATA / "codepoint_headerless.csv", date(2020, 10, 1)),
        import_network_polygons(fresh_db, DATA / "pcn_polygons.geojson", "Test ePCN 2019"),
    ]
    for r in again:
        assert (r.added, r.updated, r.closed) == (0, 0, 0), r.summary()
        assert not r.changed, r.summary()
    # The same files are the same extracts.
    assert [r.extract_id for r in again] == [r.extract_id for r in reports]
    assert snapshot(fresh_db) == before
