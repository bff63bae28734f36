"""Schemas of the membership spreadsheet routes (``web/routes/membership_sheets.py``, issue 20)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from geo_service.plans.spreadsheet import HEADER, MEDIA_TYPES


class SheetForm(ma.Schema):
    """A plan made from a membership spreadsheet (multipart form)."""

    name = fields.String(required=True, metadata={"description": "The new plan's name."})
    copy_from = fields.String(required=True, metadata={"description": "Slug of the scenario the plan copies."})
    description = fields.String(metadata={"description": "What the plan is for."})
    visibility = fields.String(metadata={"description": "private (default) or public."})
    csrf_token = fields.String(metadata={"description": "With a browser session."})


class SheetFile(ma.Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary",
                  "description": "CSV or XLSX with the columns " + ", ".join(HEADER) + " (practice and network codes "
                  "required; one row per practice)."},
    )  # fmt: skip


class SheetUpload(SheetForm, SheetFile):
    """Documented body of the upload: the form fields and the file."""


class ImportResult(ma.Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    copied_from = fields.String()
    imported = fields.Dict(
        required=True,
        metadata={"description": "file, format, rows, practices_moved, networks_created, networks_renamed, "
                  "networks_removed."},
    )  # fmt: skip


def sheet_responses(fmt: str) -> dict:
    return {
        "description": "One row per current membership: " + ", ".join(HEADER) + " (Content-Disposition: attachment).",
        "content": {MEDIA_TYPES[fmt].split(";")[0]: {"schema": {"type": "string", "format": "binary"}}},
    }
