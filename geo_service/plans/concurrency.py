"""Optimistic concurrency for plans and scenario settings: every write names the version its writer last saw,
and is refused whole when that is not the version now.

A write takes an *expected version*: a number (the CLI, scripts) or an :class:`ExpectedVersion` (the versions a
client's ``If-Match`` named, or any version for ``*``). No expected version raises :class:`VersionRequired`, a
stale one :class:`VersionMismatch` carrying the resource's state now. Both are domain errors: the web layer's
problem+json handler answers them 428 and 412 (they are :class:`~geo_service.errors.PreconditionRequired` and
:class:`~geo_service.errors.PreconditionFailed`), the CLI prints their detail. The plan's version then moves by a
compare-and-set (:func:`bump`), so two writers that both passed the check cannot both write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geo_service.conditional import if_match_tags
from geo_service.db.repositories import plans as repo
from geo_service.errors import PreconditionFailed, PreconditionRequired
from geo_service.plans.records import describe, etag


class VersionRequired(PreconditionRequired):
    """A write to a versioned resource named no version it last saw (428 on the web)."""


class VersionMismatch(PreconditionFailed):
    """A write named a version that is no longer the resource's; ``current`` is its state now (412 on the web)."""


def tag_of(version: Any) -> str:
    """The entity tag of a version ('"v<version>"'), as plans and scenario settings send it."""
    return f'"v{version}"'


@dataclass(frozen=True)
class ExpectedVersion:
    """The versions a writer says it last saw: entity tags ('"v5"'), or any (``If-Match: *``)."""

    tags: frozenset[str] = frozenset()
    any: bool = False
    given: str = ""  # as the writer said it, for messages

    @classmethod
    def of(cls, version: Any) -> ExpectedVersion:
        """Exactly this version (a plan's number, or a settings digest)."""
        return cls(frozenset({tag_of(version)}), given=tag_of(version))

    @classmethod
    def from_if_match(cls, header: str | None) -> ExpectedVersion | None:
        """The versions an ``If-Match`` header names (its tags, also as compression marked them: "v5:gzip");
        None when it is missing or empty."""
        if not header:
            return None
        tags = if_match_tags(header)
        return cls(frozenset(t for t in tags if t != "*"), any="*" in tags, given=header)

    def admits(self, version: Any) -> bool:
        return self.any or tag_of(version) in self.tags


Expected = ExpectedVersion | int | None


def expected_version(expected: Expected) -> ExpectedVersion | None:
    """``expected`` as an :class:`ExpectedVersion` (a number is that one version)."""
    if expected is None or isinstance(expected, ExpectedVersion):
        return expected
    return ExpectedVersion.of(expected)


def check_version(plan: dict, expected: Expected) -> int:
    """The plan's version, when ``expected`` names it; :class:`VersionRequired` when ``expected`` is None,
    :class:`VersionMismatch` (with the plan now) when it is stale or foreign."""
    wanted = expected_version(expected)
    if wanted is None:
        raise VersionRequired("Send the plan's ETag in an 'If-Match' header (read it with GET first).", etag=etag(plan))
    if wanted.admits(plan["version"]):
        return plan["version"]
    raise VersionMismatch(
        f"The plan has changed since you read it (it is now version {plan['version']}); reload it and try again.",
        etag=etag(plan),
        current=describe(plan),
    )


def check_state_version(version: str, state: Any, expected: Expected) -> None:
    """The same check for a resource versioned by a digest of its content (a scenario's settings): the messages
    of the access helpers' ``require_if_match``."""
    wanted = expected_version(expected)
    if wanted is None:
        raise VersionRequired(
            "Send 'If-Match' with the ETag you last read, so a change made meanwhile is not overwritten.",
            etag=tag_of(version),
        )
    if not wanted.admits(version):
        raise VersionMismatch(
            f"Someone changed this since you read it (your version {wanted.given}, now {tag_of(version)}). "
            "Reload, re-apply your change and send it again.",
            etag=tag_of(version),
            current=state,
        )


def bump(conn, plan: dict, version: int) -> int:
    """The plan's next version, set only if it is still ``version`` (compare-and-set): else
    :class:`VersionMismatch` (someone wrote meanwhile)."""
    new = repo.bump_version(conn, plan["id"], version)
    if new is None:
        current = repo.plan_by_id(conn, plan["id"])
        raise VersionMismatch(
            "The plan was changed by someone else meanwhile; reload it and try again.",
            etag=etag(current),
            current=describe(current),
        )
    return new


def version_from_if_match(plan: dict, if_match: str | None) -> int:
    """:func:`check_version` of the versions an ``If-Match`` header names (for routes not yet passing an
    :class:`ExpectedVersion`)."""
    return check_version(plan, ExpectedVersion.from_if_match(if_match))
