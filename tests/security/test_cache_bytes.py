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


def test_every_cache_of_derived_results_is_bounded_in_bytes_and_drops_the_oldest_first():
    """The other caches (layers, pages, checks, OGC bodies and tiles, embeds, findings): ``caching.LRUCache``,
    bounded by estimated bytes as well as entries. Large entries of each kind they hold (bytes, GeoJSON-like
    dicts, data frames) keep the total under the bound; the least recently used go first."""
    import numpy as np
    import pandas as pd

    from geo_service.caching import LRUCache, estimate_bytes

    bound = 4 * 1024 * 1024
    cache = LRUCache(1000, max_bytes=bound)  # the entry cap is no help here: bytes bound it
    megabyte_kinds = [
        lambda i: os.urandom(1024 * 1024),
        lambda i: {
            "type": "FeatureCollection",
            "features": [{"coordinates": [[i + j * 0.5, 51.5]] * 8} for j in range(1500)],
        },  # fmt: skip
        lambda i: pd.DataFrame({"code": [f"Y{i:05d}{j}" for j in range(8000)], "size": np.arange(8000.0)}),
    ]
    for i in range(30):
        value = megabyte_kinds[i % 3](i)
        assert estimate_bytes(value) > 512 * 1024, type(value)  # each entry really is large
        cache.put(("entry", i), value)
        assert cache.bytes <= bound
    assert 2 <= len(cache) < 30
    assert ("entry", 29) in cache and ("entry", 0) not in cache  # the oldest went, the newest stayed
    kept = [i for i in range(30) if ("entry", i) in cache]
    assert kept == list(range(30 - len(kept), 30))  # exactly the most recent ones
    cache.get(("entry", kept[0]))  # used again: now the last to go
    cache.put(("entry", 30), os.urandom(1024 * 1024))
    assert ("entry", kept[0]) in cache and ("entry", kept[1]) not in cache
    huge = os.urandom(bound + 1)
    assert cache.put(("entry", "huge"), huge) is huge and ("entry", "huge") not in cache  # served, not kept


def test_the_app_sets_every_caches_byte_bound_from_its_setting(demo_db_url):
    """``GEO_CACHE_MAX_MB`` reaches every per-process cache the app's modules made (found by walking them)."""
    import importlib
    import pkgutil

    import geo_service
    from geo_service import caching, create_app

    create_app({"DATABASE_URL": demo_db_url, "GEO_CACHE_MAX_MB": 3, "GEO_TILES_URL": "none"})
    try:
        found = []
        for info in pkgutil.walk_packages(geo_service.__path__, "geo_service."):
            if ".devtools" in info.name or info.name == "geo_service.wsgi":  # wsgi builds an app at import
                continue
            module = importlib.import_module(info.name)
            found += [v for v in vars(module).values() if isinstance(v, caching.LRUCache)]
        assert len(found) >= 8
        assert {c.max_bytes for c in found} == {3 * 1024 * 1024}
    finally:
        caching.configure(caching.DEFAULT_MAX_BYTES)
