"""Practice profile files (issue 25): payments, deprivation scores and age bands, each a dated extract of its own
kind; all-or-nothing, errors naming file, row and field, re-import a no-op."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal

import pytest

from geo_service.errors import InputFileError
from geo_service.ingest.bundle import import_bundle, read_manifest
from geo_service.ingest.practice_profiles import import_age_bands, import_deprivation, import_payments
from geo_service.ingest.practices import import_practices
from tests.ingest.conftest import DATA, TABLES, extract, rows, snapshot

PROFILES = DATA / "profiles"
PROFILE_TABLES = (*TABLES, "practice_payments", "practice_deprivation", "practice_age_bands")


@pytest.fixture
def practices_db(fresh_db):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    return fresh_db


def payments(db, extract_id):
    return rows(
        db,
        """SELECT p.ods_code, x.financial_year, x.pcn_code, x.pcn_name, x.ccg_code, x.contract_type, x.dispensing,
                  x.rurality, x.registered_patients, x.weighted_patients, x.extended_hours_paid, x.network_payments
             FROM practice_payments x JOIN practices p ON p.id = x.practice_id
            WHERE x.extract_id = %(x)s ORDER BY p.ods_code""",
        {"x": extract_id},
    )


def test_payments_file_is_a_dated_extract_of_its_own(practices_db):
    report = import_payments(practices_db, PROFILES / "payments_2019-20.csv", "2019/20")
    assert report.summary() == "payments: 3 added, 0 updated, 0 unchanged"
    ext = extract(practices_db, report.extract_id)
    assert (ext["kind"], ext["file_name"], ext["extract_date"]) == (
        "payments",
        "payments_2019-20.csv",
        date(2019, 4, 1),
    )
    # The byte-order mark does not hide the first column; "UNKNOWN"/"MISSING" are no value; the network payments
    # are the PCN columns other than the practice's own participation payment.
    assert payments(practices_db, report.extract_id) == [
        (
            "A81001",
            "2019/20",
            "U00001",
            "ASHFORD PCN",
            "09C",
            "GMS",
            False,
            "Urban",
            Decimal("5012.5"),
            Decimal("5600.25"),
            Decimal("2500.50"),
            Decimal("0.00"),
        ),
        (
            "A81002",
            "2019/20",
            "U00001",
            "ASHFORD PCN",
            "09C",
            "PMS",
            True,
            "Rural",
            Decimal("7000"),
            Decimal("6500.5"),
            Decimal("0.00"),
            Decimal("21500.75"),
        ),
        (
            "A81004",
            "2019/20",
            "U00002",
            "CANTERBURY PCN",
            "09E",
            "APMS",
            None,
            None,
            Decimal("3000"),
            Decimal("3300"),
            Decimal("-120.25"),
            Decimal("0.00"),
        ),
    ]
    before = snapshot(practices_db, PROFILE_TABLES)
    again = import_payments(practices_db, PROFILES / "payments_2019-20.csv", "2019/20")
    assert (again.added, again.unchanged, again.extract_id) == (0, 3, report.extract_id)
    assert not again.changed
    assert snapshot(practices_db, PROFILE_TABLES) == before


def test_deprivation_and_age_bands(practices_db):
    dep = import_deprivation(practices_db, PROFILES / "deprivation.csv", date(2019, 9, 26))
    assert dep.summary() == "deprivation: 4 added, 0 updated, 0 unchanged"
    assert extract(practices_db, dep.extract_id)["kind"] == "deprivation"
    assert rows(
        practices_db,
        """SELECT p.ods_code, d.imd_year, d.score FROM practice_deprivation d JOIN practices p ON p.id = d.practice_id
            ORDER BY 1, 2""",
    ) == [
        ("A81001", 2015, Decimal("21.5000")),
        ("A81001", 2019, Decimal("24.2500")),
        ("A81002", 2019, Decimal("12.7500")),
        ("A81004", 2019, Decimal("40.1250")),
    ]
    age = import_age_bands(practices_db, PROFILES / "gp-by-age.csv", date(2020, 4, 1))
    assert age.summary() == "age bands: 3 added, 0 updated, 0 unchanged"
    assert rows(
        practices_db,
        """SELECT p.ods_code, a.total, a.under_65, a.aged_65_plus FROM practice_age_bands a
             JOIN practices p ON p.id = a.practice_id ORDER BY 1""",
    ) == [("A81001", 5000, 4000, 1000), ("A81002", 7000, 6300, 700), ("A81004", 3000, 2400, 600)]
    before = snapshot(practices_db, PROFILE_TABLES)
    assert import_deprivation(practices_db, PROFILES / "deprivation.csv", date(2019, 9, 26)).added == 0
    assert import_age_bands(practices_db, PROFILES / "gp-by-age.csv", date(2020, 4, 1)).added == 0
    assert snapshot(practices_db, PROFILE_TABLES) == before


def _broken(tmp_path, source, old: str, new: str):
    target = tmp_path / source.name
    text = source.read_text(encoding="utf-8-sig")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("source", "old", "new", "message"),
    [
        (
            "payments_2019-20.csv",
            ",5600.25,",
            ",lots,",
            "payments_2019-20.csv, line 2, field 'Number of Weighted Patients (Last Known Figure)': "
            "'lots' is not a number",
        ),
        (
            "payments_2019-20.csv",
            ",5600.25,",
            ",-5,",
            "payments_2019-20.csv, line 2, field 'Number of Weighted Patients (Last Known Figure)': '-5' is negative",
        ),
        (
            "payments_2019-20.csv",
            ",A81004,",
            ",A81001,",
            "payments_2019-20.csv, line 4, field 'Practice Code': duplicate practice code 'A81001' (first on line 2)",
        ),
        (
            "payments_2019-20.csv",
            ",APMS,",
            ",XYZ,",
            "payments_2019-20.csv, line 4, field 'Contract Type': contract type 'XYZ' is not GMS, PMS or APMS",
        ),
        (
            "payments_2019-20.csv",
            ",1500.75,",
            ",1.5e3x,",
            "payments_2019-20.csv, line 3, field 'pcn leadership': '1.5e3x' is not a number",
        ),
        (
            "deprivation.csv",
            ",12.75",
            ",high",
            "deprivation.csv, line 4, field 'Value': 'high' is not a number",
        ),
        (
            "gp-by-age.csv",
            ",6300,700,",
            ",6300,701,",
            "gp-by-age.csv, line 3, field 'TOTAL': 0_64 (6,300) + 65OV (701) is not TOTAL (7,000)",
        ),
        (
            "gp-by-age.csv",
            "PRACTICE_CODE,",
            "PRACTICE,",
            "gp-by-age.csv, line 1: missing column 'PRACTICE_CODE'",
        ),
    ],
)
def test_a_bad_value_names_file_row_and_field_and_changes_nothing(practices_db, tmp_path, source, old, new, message):
    path = _broken(tmp_path, PROFILES / source, old, new)
    before = snapshot(practices_db, PROFILE_TABLES)
    importer = {
        "payments_2019-20.csv": lambda: import_payments(practices_db, path, "2019/20"),
        "deprivation.csv": lambda: import_deprivation(practices_db, path, date(2019, 9, 26)),
        "gp-by-age.csv": lambda: import_age_bands(practices_db, path, date(2020, 4, 1)),
    }[source]
    with pytest.raises(InputFileError) as err:
        importer()
    assert str(err.value).startswith(message)
    assert snapshot(practices_db, PROFILE_TABLES) == before


def test_financial_year_must_be_a_year(practices_db):
    with pytest.raises(InputFileError, match="financial year '2019/21' is not like 2019/20"):
        import_payments(practices_db, PROFILES / "payments_2019-20.csv", "2019/21")


def test_bundle_loads_profile_files_and_reimport_is_a_no_op(fresh_db):
    _, steps = read_manifest(PROFILES / "bundle.toml", root=DATA)
    assert [label for label, _ in steps][-3:] == ["payments 2019/20", "deprivation", "age bands"]
    reports = import_bundle(fresh_db, PROFILES / "bundle.toml", root=DATA)
    kinds = {r.kind: r for r in reports}
    assert (kinds["payments"].added, kinds["deprivation"].added, kinds["age bands"].added) == (3, 4, 3)
    before = snapshot(fresh_db, PROFILE_TABLES)
    import_bundle(fresh_db, PROFILES / "bundle.toml", root=DATA)
    assert snapshot(fresh_db, PROFILE_TABLES) == before


def test_bundle_refuses_a_payments_section_without_its_year(tmp_path):
    for f in ("payments_2019-20.csv",):
        shutil.copy(PROFILES / f, tmp_path / f)
    manifest = tmp_path / "m.toml"
    manifest.write_text('[[payments]]\nfile = "payments_2019-20.csv"\n')
    with pytest.raises(InputFileError, match=r"\[payments\] lacks \['financial_year'\]"):
        read_manifest(manifest)


def test_real_payment_files_read(real_data):
    """The three real payment files, the IMD and age files parse (reading only; the real bundles import them)."""
    from geo_service.ingest.practice_profiles import read_age_bands, read_deprivation, read_payments

    real = real_data
    if not (real / "payments").is_dir():
        pytest.skip(f"real payment files not found in {real}")
    counts = {}
    for fy, f in (("2019/20", "2019-20"), ("2020/21", "2020-21"), ("2021/22", "2021-22")):
        _, r = read_payments(real / "payments" / f"nhs-payments-to-general-practice_{f}.csv", fy)
        counts[fy] = (len(r), sum(1 for x in r if x[10] > 0))
    assert counts["2019/20"] == (7001, 4715)
    assert counts["2020/21"][0] == 6808 and counts["2021/22"][0] == 6758
    _, dep = read_deprivation(real / "profiles" / "practice_imd2019_fingertips_93553.csv")
    assert sum(1 for x in dep if x[1] == 2019) == 6980
    _, age = read_age_bands(real / "profiles" / "gp-by-age_2020-04.csv")
    assert len(age) == 6730


def test_an_age_band_written_as_a_near_zero_is_zero_but_a_fraction_is_refused(practices_db, tmp_path):
    # The real April 2020 file writes Y05412's 65OV as 0.0000001.
    near = _broken(
        tmp_path,
        PROFILES / "gp-by-age.csv",
        "A81004,3000,2400,2350,2300,1500,1200,2400,600",
        "A81004,600,2400,2350,2300,1500,1200,600,0.0000001",
    )
    import_age_bands(practices_db, near, date(2020, 4, 1))
    assert ("A81004", 600, 600, 0) in rows(
        practices_db,
        "SELECT p.ods_code, a.total, a.under_65, a.aged_65_plus FROM practice_age_bands a"
        " JOIN practices p ON p.id = a.practice_id",
    )
    (tmp_path / "half").mkdir()
    half = _broken(tmp_path / "half", PROFILES / "gp-by-age.csv", ",6300,700,", ",6300,700.5,")
    with pytest.raises(InputFileError, match=r"line 3, field '65OV': '700.5' is not a number of patients"):
        import_age_bands(practices_db, half, date(2020, 4, 1))
