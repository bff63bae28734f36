"""Issue 24: the declaration that writes the OpenAPI document is the one that parses the request.

* views (and the helpers of route modules) read their query values from the ``query`` the declaration hands
  them, never from ``request.args`` (the exceptions left are listed, each with its reason);
* every key a view reads from ``query`` is a parameter its declaration documents;
* every operation whose view reads a body declares the body's schema;
* each plan edit kind has a body schema naming every field that edit reads.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import pytest

from geo_service import create_app
from geo_service.web.openapi import declared_operation
from tests.pyparse import parse_python

ROUTES = Path(__file__).resolve().parents[2] / "geo_service" / "web" / "routes"
RAW = {"args", "form", "values", "json", "get_json", "files"}

# (module, function): what still reads the request itself, and why.
READS_THE_REQUEST = {
    ("layers_api", "_etag"): "the ETag names the URL as sent, every parameter and repeats included",
    ("layers_api", "_pinned_url"): "the pinned URL repeats the URL as sent, every parameter included",
    ("ogc", "_only"): "OGC API refuses parameters it does not know: it must see them all",
    ("ogc", "_items_args"): "OGC API property filters: any queryable's name is a parameter",
    ("ogc", "_format"): "also read by the error handlers of /ogc, where no view runs",
    ("ogc", "_error_response"): "an error handler: no view, no declaration",
    ("access", "sign_in"): "the sign-in form (CSRF-checked; the password never goes through a schema's errors)",
    ("oidc", "start"): "the sign-in page's single sign-on button (CSRF-checked, as the password form): next only",
    ("maps", "_compare_scopes"): "to go: the map pages' scope resolvers run before the view",
}


@pytest.fixture(scope="module")
def app():
    """The app's routes only: no request is made, so no database is opened."""
    return create_app({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "TESTING": True})


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def _raw_reads() -> dict[tuple[str, str], list[int]]:
    found: dict[tuple[str, str], list[int]] = {}
    for path in sorted(ROUTES.glob("*.py")):
        for fn in _functions(parse_python(path.read_text())):
            for node in ast.walk(fn):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in RAW
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "request"
                ):
                    found.setdefault((path.stem, fn.name), []).append(node.lineno)
    return found


def test_views_take_parsed_values_not_the_request():
    reads = _raw_reads()
    unlisted = {k: v for k, v in reads.items() if k not in READS_THE_REQUEST}
    assert not unlisted, (
        "views read request.args / form / json themselves; take `query` (parsed by @operation) instead:\n"
        + "\n".join(f"geo_service/web/routes/{m}.py:{lines[0]} {fn}" for (m, fn), lines in sorted(unlisted.items()))
    )


def test_the_list_of_exceptions_is_current():
    gone = sorted(set(READS_THE_REQUEST) - set(_raw_reads()))
    assert not gone, f"these no longer read the request: take them off READS_THE_REQUEST: {gone}"


def _keys_read(fn: ast.FunctionDef, names: set[str]) -> set[str]:
    """String keys read from any of ``names`` (the query dict and its aliases) in ``fn``."""
    names = set(names)
    for node in ast.walk(fn):  # aliases: ``a = query``
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in names:
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    keys = set()
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in names
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            keys.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in names
            and isinstance(node.slice, ast.Constant)
        ):
            keys.add(node.slice.value)
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.left, ast.Constant)
            and any(isinstance(c, ast.Name) and c.id in names for c in node.comparators)
        ):
            keys.add(node.left.value)
    return keys


def test_every_query_value_a_view_reads_is_declared(app):
    """A key read from ``query`` that the declaration does not name would always be missing (webargs hands
    over only the declared ones), and the OpenAPI document would not describe it."""
    by_module: dict[str, set[str]] = {}
    views: list[tuple[str, str, set[str]]] = []
    for view in app.view_functions.values():
        declared = declared_operation(view)
        if declared is None or declared.query is None:
            continue
        inner = inspect.unwrap(view)
        fields = set(declared.query().fields)
        module = inner.__module__.rpartition(".")[2]
        by_module.setdefault(module, set()).update(fields)
        if "query" in inspect.signature(inner).parameters:
            views.append((module, inner.__name__, fields))
    missing = []
    for module, name, fields in views:
        tree = parse_python((ROUTES / f"{module}.py").read_text())
        fn = next(f for f in _functions(tree) if f.name == name)
        missing += [f"{module}.{name} reads '{k}'" for k in sorted(_keys_read(fn, {"query"}) - fields)]
    for module, fields in by_module.items():  # helpers given the query: a parameter of some view of the module
        tree = parse_python((ROUTES / f"{module}.py").read_text())
        for fn in _functions(tree):
            params = {a.arg for a in fn.args.args}
            if {"query", "args"} & params:
                unknown = _keys_read(fn, {"query", "args"} & params) - fields
                missing += [f"{module}.{fn.name} reads '{k}'" for k in sorted(unknown)]
    assert not missing, "query values read but not declared in the route's query schema:\n" + "\n".join(missing)


def test_every_operation_reading_a_body_declares_its_schema(app):
    """A view takes its body from ``@operation`` (``body`` parameter), which hands on only the fields its
    declared schema names: so a view that reads a body must declare one, and the document lists every field."""
    undeclared, raw = [], []
    for endpoint, view in app.view_functions.items():
        declared = declared_operation(view)
        if declared is None:
            continue
        takes_body = "body" in inspect.signature(inspect.unwrap(view)).parameters
        if takes_body and declared.body is None:
            undeclared.append(endpoint)
        if takes_body and isinstance(declared.body, dict) and declared.body_for is None:
            raw.append(endpoint)  # a oneOf body needs body_for to pick the schema its fields are checked against
    assert not undeclared, f"operations that read a body without declaring it: {sorted(undeclared)}"
    assert not raw, f"oneOf bodies without body_for: {sorted(raw)}"


def test_a_body_field_the_declaration_does_not_name_is_refused_and_never_reaches_the_view():
    import marshmallow as ma
    from flask import Flask

    from geo_service.errors import InvalidParameter
    from geo_service.web.openapi import operation

    class Body(ma.Schema):
        name = ma.fields.String()

    seen = []
    demo = Flask(__name__)

    @demo.post("/things")
    @operation(tags=["t"], summary="t", body=Body, responses={})
    def things(body):  # noqa: ANN001
        seen.append(body)
        return "ok"

    @demo.errorhandler(InvalidParameter)
    def refused(err):  # noqa: ANN001
        return {"parameter": err.parameter, "detail": err.detail, "allowed": err.extra.get("allowed")}, 400

    client = demo.test_client()
    assert client.post("/things", json={"name": "A"}).status_code == 200 and seen == [{"name": "A"}]
    bad = client.post("/things", json={"name": "A", "owner": "me"})
    assert bad.status_code == 400 and bad.json == {
        "parameter": "owner",
        "detail": "Unknown field 'owner'.",
        "allowed": ["name"],
    }
    assert seen == [{"name": "A"}]  # the view never ran
    assert client.post("/things", data="[1]", content_type="application/json").status_code == 200
    assert seen[-1] == [1]  # not an object: the use case says what it wants


def _edit_fields() -> dict[str, set[str]]:
    """The body fields each edit kind reads, from its command class's source (``plans/commands.py``): helper calls
    taking ``body`` and a field name (``network_code(body, "x")``), ``body.get("x")`` and ``body["x"]``."""
    from geo_service.plans.service import EDIT_KINDS

    out: dict[str, set[str]] = {}
    for kind, command in EDIT_KINDS.items():
        fields = out.setdefault(kind, set())
        own = [c for c in command.__mro__ if c.__module__ == command.__module__ and c.__name__ != "Command"]
        nodes = [n for c in own for n in ast.walk(parse_python(textwrap.dedent(inspect.getsource(c))))]
        for node in nodes:
            if isinstance(node, ast.Call):
                args = node.args
                for first, second in zip(args, args[1:], strict=False):
                    if isinstance(first, ast.Name) and first.id == "body" and isinstance(second, ast.Constant):
                        fields.add(second.value)
                func = node.func
                if (
                    isinstance(func, ast.Attribute)
                    and func.attr == "get"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "body"
                    and args
                    and isinstance(args[0], ast.Constant)
                ):
                    fields.add(args[0].value)
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and node.value.id == "body"
                and isinstance(node.slice, ast.Constant)
            ):
                fields.add(node.slice.value)
    return out


def test_each_edit_kind_has_a_body_schema_naming_every_field_it_reads():
    from geo_service.plans.service import EDIT_KINDS
    from geo_service.web.schemas.plans import EDIT_BODIES

    assert set(EDIT_BODIES) == set(EDIT_KINDS)
    read = _edit_fields()
    if not read:
        pytest.fail("no body reads found in the edit commands (geo_service/plans/commands.py)")
    gaps = {
        kind: sorted(fields - set(EDIT_BODIES[kind]().fields))
        for kind, fields in read.items()
        if fields - set(EDIT_BODIES[kind]().fields)
    }
    assert not gaps, f"edit fields read but not in the edit's body schema: {gaps}"
    extra = {
        kind: sorted(set(schema().fields) - read.get(kind, set()))
        for kind, schema in EDIT_BODIES.items()
        if set(schema().fields) - read.get(kind, set())
    }
    assert not extra, f"edit body fields documented but never read: {extra}"
    # the command's own description of its body says the same
    declared = {kind: {f.name for f in command.fields} for kind, command in EDIT_KINDS.items()}
    assert declared == {kind: set(schema().fields) for kind, schema in EDIT_BODIES.items()}
