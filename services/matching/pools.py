"""What matching keeps between requests, so that a request ranks a small pool (issue 15).

Two things do not change from one request to the next:

- **The condition taxonomy**: names and groups. Migrations load and change it (0002), nothing else
  writes it, so each process keeps it per database and reads it again every TAXONOMY_SECONDS.
- **Which mentors list which conditions as public**: the `(condition, mentor)` pairs, about 2,500 in a
  network of 100,000 patients and 10,000 mentors, where a query would otherwise walk every public holder
  of the conditions in a group (about 6,000 for depression and anxiety) to find the few hundred mentors.

The mentor pairs are only a shortlist. The pool query (finder._mentor_pool) checks every shortlisted
mentor live against `user_conditions` (the condition still public), `mentor_profiles` (accepting,
under capacity, accredited), `users` (active, consenting, a shared language, programme scope) and the
seeker's exclusions (blocks, connections, mentorships). So whatever takes a mentor out of the pool
takes effect at once, whatever the shortlist holds (services/policy.py H2 holds by the live query).

What a shortlist can miss is a pair added after it was built: a condition made public, a new condition,
a new mentor. So every write that can add one (any write to `user_conditions`, an INSERT into
`mentor_profiles`), seen on any engine of the process, stamps the time once its transaction has ended:
in this process, and in Redis when `REDIS_URL` is set, so that every API process sees it (Redis is
required from two API processes on, docs/deploy.md). A request reuses a shortlist only while the
stamp is the one it was built under, and keeps a new shortlist for later requests only if its
transaction began after the newest stamp (otherwise it may predate that write: it serves this request
only). MENTOR_PAIRS_SECONDS bounds the age of a shortlist for writes no listener saw (psql, a script
on a raw connection without Redis); if Redis cannot be read, the shortlist is built for each request.
"""
from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

import redis
from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from models import Condition, MentorProfile, UserCondition, db
from services import policy
from services.redis_client import redis_client

log = logging.getLogger(__name__)

TAXONOMY_SECONDS = 600.0
MENTOR_PAIRS_SECONDS = 300.0
CLOCK_MARGIN = 1.0  # seconds between the clocks of processes on different hosts
REDIS_KEY = "peerless:matching:mentor-pairs-changed:{}"
REDIS_KEY_SECONDS = 86_400  # an expired stamp reads as a change: the next request rebuilds

_WRITE_SEEN, _WRITE_REDIS = "peerless.matching_pairs_written", "peerless.matching_pairs_redis"
_BEGAN = "peerless.matching_transaction_began"


# --- The condition taxonomy --------------------------------------------------------------------

@dataclass(frozen=True)
class Taxonomy:
    names: dict[str, str]
    parents: dict[str, str | None]
    children: dict[str, tuple[str, ...]]
    loaded: float = 0.0

    def related(self, focus: set[str]) -> set[str]:
        """The chosen conditions, their groups, and every condition in those groups."""
        parents = {self.parents[c] for c in focus if self.parents.get(c)}
        siblings = {child for group in parents | focus for child in self.children.get(group, ())}
        return focus | parents | siblings

    def parent_name(self, condition_id: str) -> str | None:
        parent = self.parents.get(condition_id)
        return self.names.get(parent) if parent else None


@dataclass
class _Database:
    """What one process keeps about one database."""

    taxonomy: Taxonomy | None = None
    pairs: dict[str, tuple[str, ...]] | None = None  # condition id -> mentor ids listing it as public
    pairs_stamp: float | None = None
    pairs_built: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_databases: dict[str, _Database] = {}
_keys: "weakref.WeakKeyDictionary[Engine, str]" = weakref.WeakKeyDictionary()
_local_stamps: dict[str, float] = {}  # database -> time of the newest pair-adding write this process saw
_registry_lock = threading.Lock()


def _key(engine: Engine) -> str:
    key = _keys.get(engine)
    if key is None:
        key = _keys[engine] = engine.url.render_as_string(hide_password=True)
    return key


def _database() -> tuple[str, _Database]:
    key = _key(db.engine)
    state = _databases.get(key)
    if state is None:
        with _registry_lock:
            state = _databases.setdefault(key, _Database())
    return key, state


def taxonomy(needed: set[str] = frozenset()) -> Taxonomy:
    """The whole condition taxonomy (about 140 rows), read once per TAXONOMY_SECONDS per database, or
    at once when it lacks a `needed` condition (one a migration added since)."""
    _key_, state = _database()
    current = state.taxonomy
    if (current is not None and time.monotonic() - current.loaded < TAXONOMY_SECONDS
            and needed <= current.names.keys()):
        return current
    rows = db.session.execute(select(Condition.id, Condition.name, Condition.parent_id)).all()
    children: dict[str, list[str]] = {}
    for condition_id, _name, parent_id in rows:
        if parent_id:
            children.setdefault(parent_id, []).append(condition_id)
    current = Taxonomy(names={r[0]: r[1] for r in rows}, parents={r[0]: r[2] for r in rows},
                       children={k: tuple(v) for k, v in children.items()}, loaded=time.monotonic())
    state.taxonomy = current
    return current


# --- The mentor shortlist ----------------------------------------------------------------------

def mentors_listing(condition_ids: set[str]) -> set[str]:
    """Ids of mentors (anyone with a mentor profile) who list any of these conditions as public, as
    far as the shortlist knows: a superset of the mentors the live pool query may keep."""
    pairs = _mentor_pairs()
    return {mentor for c in condition_ids for mentor in pairs.get(c, ())}


def _mentor_pairs() -> dict[str, tuple[str, ...]]:
    key, state = _database()
    try:
        stamp = _stamp(key)
    except redis.RedisError:
        log.warning("matching: Redis unreadable, building the mentor shortlist for this request only")
        return _build_pairs()
    with state.lock:
        if (state.pairs is not None and state.pairs_stamp == stamp
                and time.monotonic() - state.pairs_built < MENTOR_PAIRS_SECONDS):
            return state.pairs
    pairs = _build_pairs()
    began = db.session.info.get(_BEGAN)
    if stamp is None or (began is not None and stamp < began - CLOCK_MARGIN):
        with state.lock:
            state.pairs, state.pairs_stamp, state.pairs_built = pairs, stamp, time.monotonic()
    return pairs


def _build_pairs() -> dict[str, tuple[str, ...]]:
    rows = db.session.execute(
        select(UserCondition.condition_id, UserCondition.user_id)
        .join(MentorProfile, MentorProfile.user_id == UserCondition.user_id)
        .where(UserCondition.visibility == policy.FINDABLE))
    pairs: dict[str, list[str]] = {}
    for condition_id, user_id in rows:
        pairs.setdefault(condition_id, []).append(user_id)
    return {k: tuple(v) for k, v in pairs.items()}


def _stamp(key: str) -> float | None:
    """The time of the newest write that may have added a pair: Redis's when configured, else this process's."""
    url = current_app.config.get("REDIS_URL") if has_app_context() else None
    client = redis_client(url)
    if client is None:
        return _local_stamps.get(key)
    value = client.get(REDIS_KEY.format(key))
    return float(value) if value is not None else None


def invalidate() -> None:
    """Forget what this process keeps for the current database (tests; after a bulk load by hand)."""
    key, state = _database()
    with state.lock:
        state.taxonomy, state.pairs, state.pairs_stamp = None, None, None


# --- Seeing writes that may add a pair (every engine in the process) ---------------------------

def _pair_adding(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    if head == "INSERT":
        return "user_conditions" in statement or "mentor_profiles" in statement
    if head in ("UPDATE", "DELETE"):
        return "user_conditions" in statement
    return False


@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, _cursor, statement, _parameters, _context, _executemany):
    if _pair_adding(statement):
        info = conn.info
        if _WRITE_SEEN not in info:
            info[_WRITE_SEEN] = _key(conn.engine)
            info[_WRITE_REDIS] = current_app.config.get("REDIS_URL") if has_app_context() else None


def _stamp_write(info: dict) -> None:
    """After the transaction that wrote has ended (the connection goes back to the pool)."""
    key = info.pop(_WRITE_SEEN, None)
    if key is None:
        return
    url = info.pop(_WRITE_REDIS, None)
    now = time.time()
    _local_stamps[key] = now
    client = redis_client(url)
    if client is not None:
        try:
            client.set(REDIS_KEY.format(key), repr(now), ex=REDIS_KEY_SECONDS)
        except redis.RedisError:
            log.warning("matching: could not stamp a mentor shortlist change in Redis; other processes "
                        "see it within %s s", MENTOR_PAIRS_SECONDS)


@event.listens_for(Pool, "reset")
def _on_reset(_dbapi_connection, record, _reset_state):
    _stamp_write(record.info)


@event.listens_for(Pool, "checkin")
def _on_checkin(_dbapi_connection, record):
    if record is not None:
        _stamp_write(record.info)


@event.listens_for(Session, "after_begin")
def _note_begin(session, _transaction, _connection):
    session.info[_BEGAN] = time.time()
