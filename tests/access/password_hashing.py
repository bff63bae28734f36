"""Cheap argon2id for tests that create users and sign them in, and nothing else.

The shipped hasher (:data:`geo_service.access.service._hasher`) is argon2-cffi's RFC 9106 low-memory profile:
64 MiB and three passes, about 0.1 s of CPU a hash. The suite signs in a few hundred times (the throttling tests
alone make 61 attempts in a row against the dummy hash), so the fixtures that create test users swap in the same
algorithm (argon2id, same salt and hash length) at the smallest cost, for the life of the module that asked, and
put the shipped hasher back afterwards. Nothing in ``geo_service`` changes: the app, the CLI and ``serve`` always
hash with the shipped profile (``tests/access/test_password_profile.py`` proves it), and an app that verifies a
cheap hash outside this context upgrades it to the shipped profile on the next sign-in (argon2's rehash check).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher, Type
from argon2.profiles import RFC_9106_LOW_MEMORY

from geo_service.access import service as access

FAST = PasswordHasher(
    time_cost=1,
    memory_cost=1024,  # KiB
    parallelism=1,
    hash_len=RFC_9106_LOW_MEMORY.hash_len,
    salt_len=RFC_9106_LOW_MEMORY.salt_len,
    type=Type.ID,
)
_FAST_DUMMY = FAST.hash("not-a-real-password")


@contextmanager
def fast_password_hashing() -> Iterator[None]:
    """Within the block, the access service hashes and checks passwords with :data:`FAST` (a wrong username is
    still checked against a dummy hash of the same cost, as in production)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(access, "_hasher", FAST)
        patch.setattr(access, "_DUMMY_HASH", _FAST_DUMMY)
        yield
