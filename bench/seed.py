"""Fast bulk seeding for the benchmarks: SQLAlchemy Core executemany straight into a migrated database,
and access tokens minted for seeded users (an auth_sessions row plus a JWT signed with the server's secret).

Not a benchmark (run_all.py skips modules without NAME/run). Used by bench/matching.py and bench/outbox.py.
"""
from __future__ import annotations

import os
import random
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402

CHUNK = 5_000
# The PostgreSQL and Redis servers a benchmark uses when they answer: those of .ci/services.sh unless
# BENCH_PG_URL (a server URL without a database) or BENCH_REDIS_URL say otherwise.
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:54329").rstrip("/")
REDIS_SERVER = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6390").rstrip("/")


def now() -> datetime:
    return datetime.now(timezone.utc)


def uid(rng: random.Random) -> str:
    """A uuid4-shaped id from the seeded generator (fast, and reproducible run to run)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def engine_for(url: str):
    """A plain engine for seeding. SQLite: WAL (as the app sets it) and no fsync while seeding."""
    engine = create_engine(url)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.close()
    return engine


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """executemany in chunks (SQLAlchemy batches these into multi-row INSERTs where the driver allows)."""
    for start in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[start:start + CHUNK])


def analyze(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


# ---------------------------------------------------------------- PostgreSQL databases of our own

def _pg_admin_conninfo() -> str:
    from sqlalchemy.engine import make_url
    url = make_url(PG_SERVER)
    parts = {"host": url.host or "127.0.0.1", "port": url.port or 5432, "user": url.username or "postgres",
             "password": url.password, "dbname": "postgres"}
    return " ".join(f"{k}={v}" for k, v in parts.items() if v is not None)


def pg_available() -> bool:
    try:
        import psycopg
        with psycopg.connect(_pg_admin_conninfo(), connect_timeout=3):
            return True
    except Exception:
        return False


def redis_available() -> bool:
    try:
        import redis
        return bool(redis.Redis.from_url(REDIS_SERVER, socket_connect_timeout=3).ping())
    except Exception:
        return False


def redis_url(db: int) -> str:
    """A Redis database of the benchmark's own (the Socket.IO channel itself is server-wide)."""
    return f"{REDIS_SERVER}/{db}"


@contextmanager
def pg_database(name: str):
    """CREATE DATABASE name (dropping a leftover first), yield its URL, DROP it at the end."""
    import psycopg

    def admin(sql: str) -> None:
        with psycopg.connect(_pg_admin_conninfo(), autocommit=True) as c:
            c.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_backend_pids(name: str) -> list[int]:
    """Server processes of connections to database `name` (their CPU is server CPU too)."""
    import psycopg
    with psycopg.connect(_pg_admin_conninfo()) as c:
        return [r[0] for r in c.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]


def proc_ticks(pids: list[int]) -> dict[int, int]:
    out = {}
    for pid in pids:
        try:
            raw = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2:].split()
        out[pid] = int(fields[11]) + int(fields[12])
    return out


class PgCpu:
    """CPU of the PostgreSQL backends serving a database's connections, read from /proc."""

    def __init__(self, dbname: str | None):
        self.dbname = dbname

    def ticks(self) -> dict[int, int]:
        return proc_ticks(pg_backend_pids(self.dbname)) if self.dbname else {}

    @staticmethod
    def ms(before: dict[int, int], after: dict[int, int]) -> float:
        return sum(t - before.get(pid, 0) for pid, t in after.items()) * 1000 / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- tokens

def mint_tokens(engine, secret: str, user_ids: list[str], hours: int = 3) -> dict[str, str]:
    """One sign-in session per user and an access token for it, as services/accounts.py issues them."""
    from flask import Flask
    from flask_jwt_extended import JWTManager, create_access_token

    from models import AuthSession

    app = Flask("bench-tokens")
    app.config.update(JWT_SECRET_KEY=secret, JWT_TOKEN_LOCATION=["headers"])
    JWTManager(app)
    sessions = {u: str(uuid.uuid4()) for u in user_ids}
    with engine.begin() as conn:
        bulk_insert(conn, AuthSession.__table__, [
            {"id": sid, "user_id": u, "created_at": now(), "revoked_at": None, "revoked_reason": None}
            for u, sid in sessions.items()])
    with app.app_context():
        return {u: create_access_token(identity=u, additional_claims={"sid": sid}, expires_delta=timedelta(hours=hours))
                for u, sid in sessions.items()}


# ---------------------------------------------------------------- users

REGIONS = (["GB-ENG"] * 84) + (["GB-SCT"] * 8) + (["GB-WLS"] * 5) + (["GB-NIR"] * 3)
LANGUAGE_SETS = ([["en"]] * 85) + ([["en", "pa"]] * 4) + ([["en", "pl"]] * 4) + ([["en", "ur"]] * 4) + \
    ([["cy", "en"]] * 3)


def default_settings() -> dict:
    from models.user import default_settings as app_default
    return app_default()


def user_row(rng: random.Random, user_id: str, i: int, prefix: str, created: datetime, *,
             languages: list[str] | None = None, region: str | None = None, birth_year: int | None = None) -> dict:
    langs = languages or rng.choice(LANGUAGE_SETS)
    if region is None:
        region = "GB-WLS" if "cy" in langs else rng.choice(REGIONS)
    if birth_year is None:
        # Chronic conditions skew older: a triangular distribution peaking in the 1960s.
        birth_year = int(rng.triangular(1940, 2008, 1962))
    return {
        "id": user_id, "email": f"{prefix}{i}@bench.example", "password_hash": None,
        "display_name": f"{prefix.title()} {i}", "bio": None, "pronouns": None,
        "languages": langs, "languages_key": "," + ",".join(langs) + ",",
        "region": region, "timezone": "Europe/London", "birth_year": birth_year,
        "settings": default_settings(), "created_at": created, "updated_at": created,
        "suspended_at": None, "erased_at": None, "stream_position": 0,
    }


def role_row(user_id: str, role: str, at: datetime) -> dict:
    return {"user_id": user_id, "role": role, "granted_at": at}
