"""Readiness: do the engines this process depends on answer?"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from models import db


def dependency_status() -> dict[str, str]:
    """`ok` or `unavailable` for the database and, when configured, Redis."""
    status = {"database": _check_database()}
    if current_app.config.get("REDIS_URL"):
        status["redis"] = _check_redis(current_app.config["REDIS_URL"])
    return status


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means not ready
        db.session.rollback()
        return "unavailable"


def _check_redis(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "unavailable"
