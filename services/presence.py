"""Which conversation a person is looking at right now, so we don't push what they are reading.

The app sends `conversation.focus` over Socket.IO when a conversation is on screen (and again
every minute while it stays there) and `conversation.blur` when it leaves. Entries expire on their
own, so a phone that vanishes without a word is pushed to again within `TTL_SECONDS`.
Redis keeps this when REDIS_URL is set (shared by every process); otherwise a process-local dict,
which suffices for the embedded default where the push drain runs inside the server process.
"""
from __future__ import annotations

import threading
import time

import redis

from flask import current_app

TTL_SECONDS = 90
PRUNE_AT = 10_000  # process-local entries before the expired ones are dropped
_local: dict[tuple[str, str], float] = {}
_lock = threading.Lock()


def _redis():
    from services.redis_client import redis_client

    return redis_client(current_app.config.get("REDIS_URL"))


def focus(user_id: str, conversation_id: str) -> None:
    client = _redis()
    if client is not None:
        client.set(f"presence:{user_id}:{conversation_id}", "1", ex=TTL_SECONDS)
        return
    with _lock:
        now = time.monotonic()
        if len(_local) >= PRUNE_AT:  # entries nobody blurred would otherwise stay for the process's life
            for key in [key for key, until in _local.items() if until <= now]:
                del _local[key]
        _local[(user_id, conversation_id)] = now + TTL_SECONDS


def blur(user_id: str, conversation_id: str) -> None:
    client = _redis()
    if client is not None:
        client.delete(f"presence:{user_id}:{conversation_id}")
        return
    with _lock:
        _local.pop((user_id, conversation_id), None)


def viewing(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (person, conversation) pairs are on screen now, in one round trip (the push
    worker asks for a whole batch). When unsure (Redis down), none: an extra push beats a missed one."""
    if not pairs:
        return set()
    asked = list(pairs)
    client = _redis()
    if client is not None:
        try:
            values = client.mget([f"presence:{user_id}:{conversation_id}" for user_id, conversation_id in asked])
        except redis.RedisError:
            return set()
        return {pair for pair, value in zip(asked, values) if value is not None}
    with _lock:
        now = time.monotonic()
        return {pair for pair in asked if _local.get(pair, 0) > now}