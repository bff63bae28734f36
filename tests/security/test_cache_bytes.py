"""Issue 21 finding 15 (the part in the compression layer): the kept compressed bodies were capped at 128 entries,
whatever their size, so one client asking for many large layers grew each worker by gigabytes. Now they are
capped in bytes; the least recently used go first."""

from __future__ import annotations

import os

from geo_service.web.pipeline import precompressed


def test_compressed_bodies_are_bounded_in_bytes():
    cache = precompressed.ByteBoundedCache(max_bytes=10 * 1024 * 1024)
    for i in range(40):  # 40 incompressible bodies of 1 MB: 40 MB asked for
        cache.get_or_build(("layer", i), lambda: os.urandom(1024 * 1024))
    assert cache.bytes <= 10 * 1024 * 1024
    kept = cache.get_or_build(("layer", 39), lambda: b"rebuilt")
    assert kept != b"rebuilt"  # the most recent stayed
    assert cache.get_or_build(("layer", 0), lambda: b"rebuilt") == b"rebuilt"  # the oldest went


def test_the_app_cache_has_a_byte_bound():
    assert isinstance(precompressed._COMPRESSED, precompressed.ByteBoundedCache)
    assert precompressed._COMPRESSED.max_bytes <= 128 * 1024 * 1024
