"""The Redis cache backend keeps one client per connection pool and behaves as Django's."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator

import pytest

from billetterie.core.cache import RedisCache

REDIS = ("127.0.0.1", 6379)


def _redis_answers() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.fixture
def cache() -> Iterator[RedisCache]:
    if not _redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    backend = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": f"test-{secrets.token_hex(4)}"})
    yield backend
    backend.delete_many(["a", "n", "gone"])
    backend.close()


def test_one_client_per_pool_not_one_per_call(cache: RedisCache) -> None:
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: reads and writes share its pool


def test_it_behaves_as_djangos_redis_cache(cache: RedisCache) -> None:
    assert cache.get("a") is None
    cache.set("a", {"x": 1}, timeout=30)
    assert cache.get("a") == {"x": 1}
    assert cache.add("n", 1) and not cache.add("n", 5)
    assert cache.incr("n") == 2
    cache.delete("a")
    assert cache.get("a", "gone") == "gone"
