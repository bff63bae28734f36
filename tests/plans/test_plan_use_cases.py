"""The plan use cases called without Flask (as the CLI and scripts call them), the edit commands' documented body
fields against what each command really requires, and ``geo-service scenario set`` through the same use case as
the API (issue 24)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geo_service.access import service as access
from geo_service.cli import main
from geo_service.db.pool import Database
from geo_service.errors import InvalidParameter
from geo_service.plans import service as plans
from tests.plans.conftest import read_cursor

SOURCE = "demo-commissioner-proposal"
# A valid value for each documented field name, so a body can be complete but for one field.
VALID = {
    "network": "UZ0008",
    "into": "UZ0004",
    "practices": ["Z00034"],  # a current member of UZ0008
    "code": "NEWNET",
    "name": "A new name",
    "lead": "ZA1",
    "new_code": "UZ0008B",
    "new_name": "Split off",
    "geometry": {"type": "Polygon", "coordinates": [[[-1, 52], [-0.9, 52], [-0.9, 52.1], [-1, 52.1], [-1, 52]]]},
    "origin": "drawn",
}


@pytest.fixture(scope="module")
def db(plans_db_url):
    database = Database(plans_db_url[0], statement_timeout_ms=0)
    yield database
    database.close()


@pytest.fixture(scope="module")
def ed(db, tokens) -> access.Actor:
    """The editor 'ed', as the API would know them from their token."""
    with db.connection() as conn:
        return access.verify_token(conn, tokens["ed"])


def _audit_actions(url: str, slug: str) -> list[tuple[str, str]]:
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT a.action, a.actor_name FROM audit_log a
                WHERE a.scenario_id = (SELECT id FROM scenarios WHERE slug = %s) ORDER BY a.id""",
            (slug,),
        )
        return cur.fetchall()


def test_edit_kinds_document_the_fields_they_require(db, ed):
    """Every kind documents its fields (name, type, required); a body missing one required field is refused
    naming exactly that field, and every field the registry lists has a type the schemas can express."""
    kinds = ["assign", "unassign", "create", "rename", "merge", "split", "dissolve", "geometry"]
    assert list(plans.EDIT_KINDS) == kinds
    with db.connection() as conn:
        plans.new_plan(conn, ed, {"name": "Fields plan", "slug": "fields-plan", "copy_from": SOURCE})
    for kind, command in plans.EDIT_KINDS.items():
        fields = plans.body_fields(kind)
        assert fields and command.fields == fields
        assert all(f.type in ("string", "array", "object") and f.description for f in fields), kind
        assert len({f.name for f in fields}) == len(fields), kind
        for missing in (f for f in fields if f.required):
            body = {f.name: VALID[f.name] for f in fields if f.name != missing.name}
            with db.connection() as conn:
                plan = plans.get_plan(conn, "fields-plan")
                with pytest.raises(InvalidParameter) as refused:
                    plans.EDIT_KINDS[kind](conn, plan).validate(body)
                conn.rollback()
            assert refused.value.parameter == missing.name, (kind, missing.name, refused.value.detail)


def test_use_cases_without_flask_version_checks_and_audit(db, ed, plans_db_url):
    """new_plan, edit, undo, set_lock and update_plan with the actor and a version number (no HTTP): a missing
    version is VersionRequired (428), a stale one VersionMismatch (412) and writes nothing; each write is audited."""
    with db.connection() as conn:
        made = plans.new_plan(conn, ed, {"name": "Use case plan", "slug": "use-case-plan", "copy_from": SOURCE})
    version = made["version"]
    body = {"network": "UZ0001", "practices": ["Z00009"]}
    with db.connection() as conn:
        with pytest.raises(plans.VersionRequired) as required:
            plans.edit(conn, ed, "use-case-plan", "assign", body, None)
        assert required.value.status == 428
        with pytest.raises(plans.VersionMismatch) as stale:
            plans.edit(conn, ed, "use-case-plan", "assign", body, version + 7)
        assert stale.value.status == 412 and stale.value.extra["current"]["version"] == version
    with db.connection() as conn:
        out = plans.edit(conn, ed, "use-case-plan", "assign", body, version, session="cli")
    assert out["version"] == version + 1 and out["undo"] == {"undo": 1, "redo": 0}
    assert [n["code"] for n in out["delta"]["networks"] if n["exists"]["after"]]
    with db.connection() as conn:
        undone = plans.undo(conn, ed, "use-case-plan", out["version"], session="cli")
    assert undone["undo"] == {"undo": 0, "redo": 1}
    with db.connection() as conn:
        locked = plans.set_lock(conn, ed, "use-case-plan", "UZ0004", True, "agreed", undone["version"])
    assert locked["network"]["lock_reason"] == "agreed"
    with db.connection() as conn:
        renamed = {"name": "Use case plan, renamed"}
        after = plans.update_plan(conn, ed, "use-case-plan", renamed, locked["plan"]["version"])
    assert after["name"] == "Use case plan, renamed" and after["version"] == version + 4
    actions = [a for a, who in _audit_actions(plans_db_url[0], "use-case-plan") if who == "ed"]
    assert actions == ["plan.create", "plan.edit.assign", "plan.undo", "network.lock", "plan.update"]


def test_cli_scenario_set_is_the_api_use_case(plans_db_url):
    """``geo-service scenario set`` changes the settings through the same use case as PATCH: audited, by the CLI."""
    url = plans_db_url[0]
    out = CliRunner().invoke(main, ["scenario", "set", SOURCE, "--nation", "england"], env={"DATABASE_URL": url})
    assert out.exit_code == 0, out.output
    assert "nation: england" in out.output
    actions = _audit_actions(url, SOURCE)
    assert actions and actions[-1][0] == "scenario.settings" and actions[-1][1].startswith("cli:")
