"""Issue 24: the import graph of ``geo_service/`` has no circle, no import from a lower layer to a higher one,
and no route module that reads the database itself (route → service → repository).

Layers, highest first (a module may import its own layer or any lower one; modules of one layer must not form
a circle). The command line sits above the app factory because ``geo-service serve`` builds the app.

* entry points: ``geo_service.cli``, ``geo_service.wsgi``
* the app factory: ``geo_service`` (its ``__init__``)
* web, itself layered: ``web`` (registration) > ``web.routes`` (blueprints) > ``web.auth``, ``web.map_context``,
  ``web.openapi`` > ``web.schemas`` > ``web.pipeline`` (the request pipeline every route runs through)
* services: the domain packages (analysis, plans, suggest, exports, maps, embeds, ogc, ...)
* ``geo_service.db.repositories`` (SQL)
* ``geo_service.db`` (pool, migrations, cluster tooling)
* base modules: errors, config, crs, caching, conditional, slugs, ... (import nothing above them)
"""

from __future__ import annotations

from tests.architecture.import_graph import Import, cycles, imports, modules

# (prefix, rank): the longest matching prefix gives a module's layer; higher ranks may import lower ones.
LAYERS: tuple[tuple[str, int], ...] = (
    ("geo_service.cli", 100),
    ("geo_service.wsgi", 100),
    ("geo_service.devtools", 95),  # the project-local cluster: development tooling the CLI loads, never the app
    ("geo_service", 90),  # the app factory (geo_service/__init__.py); the base modules are listed below
    ("geo_service.web", 80),
    ("geo_service.web.gunicorn_conf", 80),
    ("geo_service.web.routes", 70),
    ("geo_service.web.auth", 60),
    ("geo_service.web.map_context", 60),
    ("geo_service.web.openapi", 60),
    ("geo_service.web.schemas", 55),
    ("geo_service.web.pipeline", 50),
    *(
        (f"geo_service.{service}", 40)
        for service in (
            "access",
            "analysis",
            "approval",
            "charts",
            "demo",
            "embeds",
            "exports",
            "ingest",
            "maps",
            "navigation",
            "ogc",
            "plans",
            "suggest",
            "scope",
            "health",
            "metrics",
            "caching",
            "catalogue",
        )
    ),
    ("geo_service.db.repositories", 30),
    ("geo_service.db", 20),
    *((f"geo_service.{base}", 10) for base in ("errors", "config", "crs", "conditional", "slugs", "csv_output")),
)


def layer(module: str) -> int:
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return dict(LAYERS)[best]


def test_every_module_has_a_layer():
    unplaced = [m for m in modules() if m != "geo_service" and layer(m) == 90]
    assert not unplaced, f"place these modules in a layer of {__file__}: {unplaced}"


def test_no_import_circles():
    found = cycles(imports())
    assert not found, "import circles (modules importing each other, directly or round a loop):\n" + "\n".join(
        " <-> ".join(c) for c in found
    )


def test_no_import_from_a_lower_layer_to_a_higher_one():
    upward = [e for e in imports() if layer(e.imported) > layer(e.importer) and (e.importer, e.imported) not in PENDING]
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(map(str, upward))


# Left while issue 24's plans work (edits as commands, the derive and scenario-settings use cases as services)
# lands in geo_service/plans: those services take over these reads and writes. Each entry names what is left.
PENDING: set[tuple[str, str]] = set()  # none left: routes call services only


def test_route_modules_never_import_the_database_layer():
    direct = [
        e
        for e in imports()
        if e.importer.startswith("geo_service.web.routes")
        and e.imported.startswith("geo_service.db")
        and (e.importer, e.imported) not in PENDING
    ]
    assert not direct, "routes call services, never repositories or the pool:\n" + "\n".join(map(str, direct))


def _local(edges: tuple[Import, ...]) -> list[Import]:
    return [e for e in edges if e.local and e.importer.startswith("geo_service.web")]


def test_the_web_layer_imports_its_project_modules_at_the_top():
    """A function-local import hides a dependency (and, before, hid circles). None are left in web/."""
    local = _local(imports())
    assert not local, "function-local imports of project modules in web/:\n" + "\n".join(map(str, local))
