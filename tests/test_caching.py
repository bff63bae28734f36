"""Caches of derived results are keyed on the data state: a write makes a new key, never a stale hit."""

import threading

import psycopg2

from geo_service.caching import LRUCache, data_state


def test_lru_evicts_least_recently_used_and_builds_once():
    cache = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    built = []
    assert cache.get_or_build("d", lambda: built.append(1) or 4) == 4
    assert cache.get_or_build("d", lambda: built.append(1) or 5) == 4
    assert built == [1]


def test_lru_is_safe_across_threads():
    cache = LRUCache(50)

    def work(n):
        for i in range(500):
            cache.get_or_build((n, i % 60), lambda i=i: i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache._items) == 50


def test_data_state_moves_with_every_write(fresh_db_url):
    conn = psycopg2.connect(fresh_db_url)
    try:
        before = data_state(conn)
        assert data_state(conn) == before
        with conn.cursor() as cur:
            cur.execute("INSERT INTO practices (ods_code) VALUES ('K1')")
        conn.commit()
        after = data_state(conn)
        assert after[0] == before[0] and after[1] == before[1] + 1
    finally:
        conn.close()
