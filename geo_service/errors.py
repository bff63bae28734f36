"""One exception hierarchy for the whole service.

Each error carries an HTTP status, a short title and a user-facing detail. The web
layer renders them as ``application/problem+json`` (API) or a friendly page (HTML);
the CLI prints the detail and exits non-zero. Internal details never go in ``detail``.
"""

from __future__ import annotations

from typing import Any


class GeoServiceError(Exception):
    status = 500
    title = "Internal error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = {k: v for k, v in extra.items() if v is not None}

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        body.update(self.extra)
        return body


class InvalidParameter(GeoServiceError):
    """A request or command parameter is wrong; ``parameter`` names it."""

    status = 400
    title = "Invalid parameter"

    def __init__(self, parameter: str, detail: str, allowed: list[Any] | None = None) -> None:
        super().__init__(detail, parameter=parameter, allowed=allowed)
        self.parameter = parameter


class NotFound(GeoServiceError):
    status = 404
    title = "Not found"


class Forbidden(GeoServiceError):
    status = 403
    title = "Forbidden"


class Conflict(GeoServiceError):
    status = 409
    title = "Conflict"


class InputFileError(GeoServiceError):
    """A file given to an importer is unusable. Names the file, line and field where known."""

    status = 422
    title = "Invalid input file"

    def __init__(self, file: str, detail: str, row: int | None = None, field: str | None = None) -> None:
        where = file
        if row is not None:
            where += f", line {row}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {detail}", file=file, row=row, field=field)
        self.file, self.row, self.field = file, row, field


class DatabaseUnavailable(GeoServiceError):
    status = 503
    title = "Database unavailable"


class SetupError(GeoServiceError):
    """The local environment cannot do what was asked (missing package, no permission)."""

    status = 500
    title = "Set-up error"


class Unauthorized(GeoServiceError):
    """No one is signed in (no session, no valid API token) for a route that needs someone (issue 12)."""

    status = 401
    title = "Sign-in required"


class PreconditionFailed(GeoServiceError):
    """A write sent an ``If-Match`` that is no longer the resource's version; ``current`` is its state now."""

    status = 412
    title = "Precondition failed"


class PreconditionRequired(GeoServiceError):
    """A write to a versioned resource came without ``If-Match``."""

    status = 428
    title = "Precondition required"
