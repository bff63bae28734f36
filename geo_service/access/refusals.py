"""A refused sign-in (issue 26): why (a short reason code for the audit log), what the person is told, the HTTP
status of the page that tells them, and whom it concerned when that is known."""

from __future__ import annotations


class SignInRefused(Exception):
    def __init__(
        self, reason: str, message: str, status: int = 401, *, user_id: int | None = None, subject: str | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.user_id = user_id
        self.subject = subject
