"""Cacheable bodies (GeoJSON layers, checks) are compressed once per encoding and decode to the same bytes."""

import gzip
import json

import brotli

from geo_service.web.pipeline import precompressed

LAYER = "/api/v1/maps/demo-as-registered/areas.geojson?boundary_set=demo-ccg"
CHECKS = "/api/v1/scenarios/demo-as-registered/checks?boundary_set=demo-ccg"


def test_brotli_gzip_and_identity_carry_the_same_body(demo_client):
    for path in (LAYER, CHECKS):
        plain = demo_client.get(path, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers
        br = demo_client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        gz = demo_client.get(path, headers={"Accept-Encoding": "gzip"})
        assert br.headers["Content-Encoding"] == "br" and gz.headers["Content-Encoding"] == "gzip"
        assert brotli.decompress(br.data) == gzip.decompress(gz.data) == plain.data
        assert "Accept-Encoding" in br.headers["Vary"]
        json.loads(plain.data)


def test_each_encoding_is_compressed_once(demo_client, monkeypatch):
    calls = []
    real = precompressed._compress
    monkeypatch.setattr(precompressed, "_compress", lambda body, enc: calls.append(enc) or real(body, enc))
    precompressed._COMPRESSED.clear()
    for _ in range(3):
        demo_client.get(LAYER, headers={"Accept-Encoding": "br"})
        demo_client.get(LAYER, headers={"Accept-Encoding": "gzip"})
    assert sorted(calls) == ["br", "gzip"]
