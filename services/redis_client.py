"""One Redis connection pool per URL, shared by presence, jobs and health checks."""
from __future__ import annotations

from functools import lru_cache

import redis


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def redis_client(url: str | None) -> redis.Redis | None:
    return _client(url) if url else None
