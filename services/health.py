"""Readiness: do the engines this process depends on answer?"""
from __future__ import annotations

import redis
from flask import current_app
from sqlalchemy import text

from models import db
from services.redis_client import redis_client


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
    try:
        redis_client(url).ping()
        return "ok"
    except redis.RedisError:
        return "unavailable"
