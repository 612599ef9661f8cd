"""The embedded default: SQLite in WAL mode, with writers queued fairly.

SQLite allows one writer at a time. Its own busy handler makes waiting writers sleep and retry
(naps of up to 100 ms), so under concurrency a request can wait far longer than the writes ahead
of it take. Here a write transaction first takes an exclusive `flock` on a file beside the
database: the kernel wakes the next writer the moment the previous one commits, in every process
sharing the file. Reads never take it (WAL lets them run beside the writer).
"""
from __future__ import annotations

import fcntl
import os

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from api.config import INSTANCE_DIR

_FD, _HELD = "peerless.writelock_fd", "peerless.writelock_held"


def configure(app: Flask) -> None:
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("connect_args", {})["timeout"] = 30
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def install(engine: Engine) -> None:
    lock_path = f"{engine.url.database}.writelock" if engine.url.database not in (None, "", ":memory:") else None
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", lambda connection: _on_begin(connection, lock_path))
    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    event.listen(engine.pool, "reset", _on_reset)
    event.listen(engine.pool, "close", lambda _dbapi, record: _close_info(record.info))


def _on_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's implicit transactions.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _on_begin(connection, lock_path: str | None) -> None:
    # A transaction that reads before it writes cannot upgrade its lock under WAL if another writer
    # committed meanwhile (SQLITE_BUSY_SNAPSHOT, which skips the busy timeout). So requests that may
    # write take the write lock up front, from their token lookup on; GETs stay plain readers.
    reading = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
    if not reading and lock_path:
        _acquire(connection.info, lock_path)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _acquire(info: dict, lock_path: str) -> None:
    if _FD not in info:
        info[_FD] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(info[_FD], fcntl.LOCK_EX)
    info[_HELD] = True


def _on_reset(_dbapi_connection, record, _reset_state) -> None:
    # SQLAlchemy 2.0's signature: an older one is adapted on every check-in, with a warning each time.
    _release_info(record.info)


def _release(connection) -> None:
    _release_info(connection.info)


def _release_info(info: dict) -> None:
    if info.pop(_HELD, False):
        fcntl.flock(info[_FD], fcntl.LOCK_UN)


def _close_info(info: dict) -> None:
    _release_info(info)
    if _FD in info:
        os.close(info.pop(_FD))
