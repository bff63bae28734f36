"""Issue 20: plans exchanged as spreadsheets. A scenario's membership downloads as CSV and XLSX; a plan made from
such a file (API, plans page form, ``geo-service plan import``) has the same memberships (compared in SQL); a
malformed file is refused whole, naming the file, row and field, and nothing is created. Demo data."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from click.testing import CliRunner

from geo_service.cli import main
from tests.plans.conftest import Api, read_cursor

SOURCE = "demo-commissioner-proposal"
HEADER = "Practice code,Practice name,Network code,Network name,List size,Commissioner code,Commissioner name"


def memberships(url: str, slug: str) -> set[tuple[str, str, str]]:
    """(practice ODS code, network code, network name) of every membership current on the scenario's date."""
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT p.ods_code, n.code, n.name FROM memberships m
                 JOIN scenarios s ON s.id = m.scenario_id JOIN networks n ON n.id = m.network_id
                 JOIN practices p ON p.id = m.practice_id
                WHERE s.slug = %s AND membership_is_current(m.start_date, m.end_date, s.as_of)""",
            (slug,),
        )
        return set(cur.fetchall())


def scenario_count(url: str) -> int:
    with read_cursor(url) as cur:
        cur.execute("SELECT count(*) FROM scenarios")
        return cur.fetchone()[0]


def post_sheet(
    client, token: str | None, data: bytes, file_name: str, url: str = "/api/v1/plans/from-spreadsheet", **form
):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"file": (io.BytesIO(data), file_name), "copy_from": SOURCE, **form}
    return client.post(url, data=body, headers=headers, content_type="multipart/form-data")


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def xlsx_of(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def exported(plans_app) -> dict[str, bytes]:
    client = plans_app.test_client()
    out = {}
    for fmt in ("csv", "xlsx"):
        resp = client.get(f"/api/v1/scenarios/{SOURCE}/membership.{fmt}")
        assert resp.status_code == 200, resp.data[:300]
        assert resp.headers["Content-Disposition"] == f'attachment; filename="{SOURCE}-membership.{fmt}"'
        out[fmt] = resp.data
    return out


def test_membership_downloads_name_practices_networks_sizes_and_commissioners(plans_db_url, exported):
    rows = csv_rows(exported["csv"])
    assert exported["csv"].decode("utf-8-sig").splitlines()[0] == HEADER
    expected = memberships(plans_db_url[0], SOURCE)
    assert {(r["Practice code"], r["Network code"], r["Network name"]) for r in rows} == expected
    assert len(rows) == len(expected) > 10
    assert all(r["Practice name"] and r["Commissioner code"] and r["Commissioner name"] for r in rows)
    assert all(int(r["List size"]) > 0 for r in rows if r["List size"])
    sheet = xlsx_rows(exported["xlsx"])
    assert sheet[0] == HEADER.split(",")
    assert [[str(v) if v is not None else "" for v in r] for r in sheet[1:]] == [list(r.values()) for r in rows]
    assert isinstance(sheet[1][4], int)  # list size stored as a number


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_round_trip_gives_equal_memberships(plans_app, plans_db_url, tokens, exported, fmt):
    client = plans_app.test_client()
    resp = post_sheet(client, tokens["ed"], exported[fmt], f"proposal.{fmt}", name=f"Round trip {fmt}")
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert out["copied_from"] == SOURCE and out["status"] == "draft" and out["visibility"] == "private"
    assert out["imported"]["format"] == fmt.upper() and out["imported"]["practices_moved"] == 0
    assert memberships(plans_db_url[0], out["slug"]) == memberships(plans_db_url[0], SOURCE)
    with read_cursor(plans_db_url[0]) as cur:
        cur.execute(
            """SELECT a.action FROM audit_log a JOIN scenarios s ON s.id = a.scenario_id WHERE s.slug = %s
                ORDER BY a.id""",
            (out["slug"],),
        )
        assert [r[0] for r in cur.fetchall()] == ["plan.create", "plan.import"]
    # The plan's own membership downloads again, to its owner only.
    again = client.get(
        f"/api/v1/scenarios/{out['slug']}/membership.csv", headers={"Authorization": f"Bearer {tokens['ed']}"}
    )
    assert again.status_code == 200 and csv_rows(again.data) == csv_rows(exported["csv"])
    assert client.get(f"/api/v1/scenarios/{out['slug']}/membership.csv").status_code == 404


def test_a_changed_file_moves_practices_creates_renames_and_removes_networks(plans_app, plans_db_url, tokens, exported):
    rows = csv_rows(exported["csv"])
    codes = sorted({r["Network code"] for r in rows})
    first, second = codes[0], codes[1]
    moved = [r for r in rows if r["Network code"] == first]
    for r in rows:
        if r["Network code"] == first:  # every member of the first network moves: it is removed
            r["Network code"], r["Network name"] = second, ""
        elif r["Network code"] == second:
            r["Network name"] = "Renamed <b>network</b>"
    rows[-1]["Network code"], rows[-1]["Network name"] = "NEW-1", "=A brand new network"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    resp = post_sheet(plans_app.test_client(), tokens["ed"], out.getvalue().encode(), "changed.csv", name="Changed")
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert got["imported"]["networks_created"] == 1 and got["imported"]["networks_removed"] == 1
    assert got["imported"]["practices_moved"] == len(moved) + 1
    after = memberships(plans_db_url[0], got["slug"])
    want = {(r["Practice code"], r["Network code"]) for r in rows}
    assert {(p, n) for p, n, _ in after} == want
    names = {n: name for _, n, name in after}
    assert names[second] == "Renamed <b>network</b>" and names["NEW-1"] == "=A brand new network"
    with read_cursor(plans_db_url[0]) as cur:
        cur.execute(
            "SELECT count(*) FROM networks n JOIN scenarios s ON s.id = n.scenario_id"
            " WHERE s.slug = %s AND n.code = %s",
            (got["slug"], first),
        )
        assert cur.fetchone()[0] == 0
        cur.execute(
            "SELECT kind, summary FROM plan_edits e JOIN scenarios s ON s.id = e.scenario_id WHERE s.slug = %s",
            (got["slug"],),
        )
        kind, summary = cur.fetchone()
        assert kind == "import" and summary.startswith("Memberships from changed.csv:")


def _csv(*lines: str) -> bytes:
    return ("\r\n".join((HEADER, *lines)) + "\r\n").encode()


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    return buf.getvalue()


MALFORMED = [
    (
        "unknown.csv",
        _csv("Z00001,A,UZ0001,N,1,ZA1,x", "ZZ9999,B,UZ0001,N,1,ZA1,x"),
        3,
        "practice_code",
        "practice ZZ9999 is not in the register",
    ),
    (
        "twice.csv",
        _csv("Z00001,A,UZ0001,N,1,ZA1,x", "Z00002,B,UZ0001,N,1,ZA1,x", "Z00001,A,UZ0002,M,1,ZA1,x"),
        4,
        "practice_code",
        "practice Z00001 is listed twice (rows 2 and 4)",
    ),
    (
        "empty.csv",
        _csv("Z00001,A,UZ0001,N,1,ZA1,x", "Z00002,B,,N,1,ZA1,x"),
        3,
        "network_code",
        "the network code of practice Z00002 is empty",
    ),
    (
        "names.csv",
        _csv("Z00001,A,UZ0001,North,1,ZA1,x", "Z00002,B,UZ0001,South,1,ZA1,x"),
        3,
        "network_name",
        "network UZ0001 is named 'South' here but 'North' in row 2",
    ),
    ("header.csv", b"Practice,Something\r\nZ00001,UZ0001\r\n", 1, "network_code", "the header has no 'network_code'"),
    ("header.xlsx", None, 1, "network_code", "the header has no 'network_code'"),
    ("names.xlsx", None, 3, "network_name", "network UZ0001 is named 'South' here but 'North' in row 2"),
    ("bad-code.csv", _csv("Z00001,A,UZ 0001,N,1,ZA1,x"), 2, "network_code", "'UZ 0001' is not a network code"),
    ("notes.txt", b"hello", None, None, "unknown file type '.txt'; send a .csv or .xlsx file"),
    ("fake.xlsx", b"Practice code,Network code\r\n", None, None, "not an XLSX workbook (not a zip archive)"),
    ("bomb.xlsx", _bomb(), None, None, "the workbook unzips to more than 64 MB"),
    ("binary.csv", b"PK\x03\x04\x00\x00", None, None, "not a CSV file (it holds binary data)"),
    ("big.csv", b"x" * (5 * 1024 * 1024 + 1), None, None, "the file is larger than 5 MB"),
    ("long.csv", _csv(*(f"Z{i:05d},A,UZ0001,N,1,ZA1,x" for i in range(20_001))), 20_002, None, "more than 20,000 rows"),
]
XLSX = {
    "header.xlsx": [["Practice", "Something"], ["Z00001", "UZ0001"]],
    "names.xlsx": [HEADER.split(","), ["Z00001", "A", "UZ0001", "North", 1, "ZA1", "x"],
                   ["Z00002", "B", "UZ0001", "South", 1, "ZA1", "x"]],
}  # fmt: skip


@pytest.mark.parametrize(("name", "data", "row", "field", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_files_are_refused_whole_naming_file_row_and_field(
    plans_app, plans_db_url, tokens, name, data, row, field, message
):
    data = xlsx_of(XLSX[name]) if data is None else data
    before = scenario_count(plans_db_url[0])
    resp = post_sheet(plans_app.test_client(), tokens["ed"], data, name, name=f"Refused {name}")
    assert resp.status_code == 400, resp.get_json()
    problem = resp.get_json()
    assert problem["parameter"] == "file" and problem["file"] == name
    assert message in problem["detail"], problem["detail"]
    assert problem["detail"].startswith(f"'{name}'") and problem["detail"].endswith("Nothing was created.")
    if row is not None:
        assert problem["row"] == row and f" row {row}" in problem["detail"]
    if field is not None:
        assert problem["field"] == field and f"field '{field}'" in problem["detail"]
    assert scenario_count(plans_db_url[0]) == before  # nothing created, not even the copy


def test_upload_needs_an_editor_and_a_visible_source(plans_app, tokens, exported):
    client = plans_app.test_client()
    assert post_sheet(client, None, exported["csv"], "a.csv", name="Anon").status_code == 401
    assert post_sheet(client, tokens["viewer"], exported["csv"], "a.csv", name="Viewer").status_code == 403
    private = Api(client, tokens["ed2"]).send("POST", "/api/v1/plans", {"name": "Ed2 private", "copy_from": SOURCE})
    assert private.status_code == 201
    resp = post_sheet(
        client, tokens["ed"], exported["csv"], "a.csv", name="Other's", copy_from=private.get_json()["slug"]
    )
    assert resp.status_code == 404, resp.get_json()


def test_plans_page_offers_the_upload_and_its_form_opens_the_editor(plans_app, plans_db_url, tokens, exported):
    client = plans_app.test_client()
    resp = post_sheet(
        client, tokens["ed"], exported["xlsx"], "page.xlsx", url="/plans/from-spreadsheet", name="From page"
    )
    assert resp.status_code == 303, resp.data[:300]
    slug = resp.headers["Location"].split("/plans/")[1].split("/edit")[0]
    assert memberships(plans_db_url[0], slug) == memberships(plans_db_url[0], SOURCE)
    page = client.get("/plans", headers={"Authorization": f"Bearer {tokens['ed']}"}).get_data(as_text=True)
    assert 'id="plan-from-sheet"' in page and 'enctype="multipart/form-data"' in page
    editor = client.get(f"/plans/{slug}/edit", headers={"Authorization": f"Bearer {tokens['ed']}"}).get_data(
        as_text=True
    )
    assert (
        f"/api/v1/scenarios/{slug}/membership.csv" in editor and f"/api/v1/scenarios/{slug}/membership.xlsx" in editor
    )


def test_map_pages_link_the_membership_downloads(plans_app):
    client = plans_app.test_client()
    for url in (f"/maps/{SOURCE}", f"/maps/{SOURCE}/areas/ZA1"):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert f"/api/v1/scenarios/{SOURCE}/membership.csv" in page, url
        assert f"/api/v1/scenarios/{SOURCE}/membership.xlsx" in page, url


def test_cli_imports_a_file_and_refuses_a_bad_one(plans_db_url, exported, tmp_path):
    url = plans_db_url[0]
    good = tmp_path / "proposal.xlsx"
    good.write_bytes(exported["xlsx"])
    result = CliRunner().invoke(
        main, ["plan", "import", str(good), "--from", SOURCE, "--name", "From the command line"],
        env={"DATABASE_URL": url}, catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    slug = result.output.strip().splitlines()[-1]
    assert slug == "from-the-command-line"
    assert memberships(url, slug) == memberships(url, SOURCE)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv("Z00001,A,UZ0001,N,1,ZA1,x", "Z00002,B,,N,1,ZA1,x"))
    before = scenario_count(url)
    result = CliRunner().invoke(
        main, ["plan", "import", str(bad), "--from", SOURCE, "--name", "Bad one"], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 1
    assert (
        "Error: 'bad.csv' row 3, field 'network_code': the network code of practice Z00002 is empty." in result.output
    )
    assert scenario_count(url) == before
