"""Plans: scenarios made and edited in the service. The public entry point the API, the pages, the CLI and the
suggestion engine call; no Flask here. Each name comes from the module that does one job:

* :mod:`~geo_service.plans.records`: a plan read by slug, described, its ETag;
* :mod:`~geo_service.plans.concurrency`: expected versions, :class:`VersionRequired` / :class:`VersionMismatch`;
* :mod:`~geo_service.plans.lifecycle`: making, changing, submitting and approving a plan;
* :mod:`~geo_service.plans.commands`: the edit kinds (:data:`EDIT_KINDS`), each a command;
* :mod:`~geo_service.plans.editing`, :mod:`~geo_service.plans.deltas`, :mod:`~geo_service.plans.undo`: applying
  an edit, measuring it, undoing it;
* :mod:`~geo_service.plans.locks`, :mod:`~geo_service.plans.polygons`: locks, uploaded and derived polygons;
* :mod:`~geo_service.plans.suggestions`, :mod:`~geo_service.plans.editor_state`: what the editor reads;
* :mod:`~geo_service.plans.scenario_settings`: a scenario's date, extracts and boundary set.

Every write (``new_plan``, ``update_plan``, ``move_status``, ``edit``, ``undo``, ``redo``, ``set_lock``,
``upload_polygons``, ``derive_polygons``, ``update_settings``) takes the actor, the expected version and the parsed
input; it checks who may, writes in the caller's transaction and records the audit row.
"""

from __future__ import annotations

from geo_service.plans.commands import EDIT_KINDS, Command, Edit, body_fields
from geo_service.plans.concurrency import (
    ExpectedVersion,
    VersionMismatch,
    VersionRequired,
    check_version,
    version_from_if_match,
)
from geo_service.plans.editing import Editor, edit, parse_session
from geo_service.plans.editor_state import editor_state
from geo_service.plans.fields import Field
from geo_service.plans.lifecycle import MOVES, STATUSES, check_editable, create_plan, move_status, new_plan, update_plan
from geo_service.plans.locks import set_lock
from geo_service.plans.polygons import PolygonFile, derive_polygons, upload_polygons, writable
from geo_service.plans.records import describe, etag, get_plan
from geo_service.plans.rights import plan_for_write, visible_plan
from geo_service.plans.scenario_settings import current_version as settings_version
from geo_service.plans.scenario_settings import update_settings
from geo_service.plans.suggestions import unassigned
from geo_service.plans.undo import redo, undo
from geo_service.plans.visibility import visible_plans

__all__ = [
    "EDIT_KINDS",
    "MOVES",
    "STATUSES",
    "Command",
    "Edit",
    "Editor",
    "ExpectedVersion",
    "Field",
    "PolygonFile",
    "VersionMismatch",
    "VersionRequired",
    "body_fields",
    "check_editable",
    "check_version",
    "create_plan",
    "derive_polygons",
    "describe",
    "edit",
    "editor_state",
    "etag",
    "get_plan",
    "move_status",
    "new_plan",
    "parse_session",
    "plan_for_write",
    "redo",
    "set_lock",
    "settings_version",
    "unassigned",
    "undo",
    "update_plan",
    "update_settings",
    "upload_polygons",
    "version_from_if_match",
    "visible_plan",
    "visible_plans",
    "writable",
]
