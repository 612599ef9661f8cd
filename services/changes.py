"""The change stream (what `/sync` reads) and the events phones hear after a commit.

Two ways in, one writer:

* `append(entries)` writes stream entries now, in the caller's transaction: the hot paths (a message
  send) call it with everything the use-case changed, so their consequences read top to bottom.
* `record(change)` queues a change; the queue is written by the same `append` just before the
  transaction commits, in one batch. The rarer use-cases that touch several people's streams at
  different moments (erasure, a block, accepting a connection) use it, so each transaction moves
  every stream head it needs in one statement, in id order, and two of them can never deadlock.

Events are published only after the commit succeeds, so a phone never hears about something that
was rolled back. The session's hooks do only this: write what `record` queued just before the
commit, publish just after it; a rollback discards both queues.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Iterable

from sqlalchemy import bindparam, case, event, insert, select, update
from sqlalchemy.orm import Session

from models import StreamChange, User, db, utcnow
from services import realtime

_KEY = "peerless.pending_changes"
_EVENTS_KEY = "peerless.pending_events"
_AFTER_KEY = "peerless.after_commit"
# Event name -> function turning the changed object into the event's JSON; the API layer
# registers its schemas here, so events and responses share one shape.
_serializers: dict[str, Callable[[Any], dict]] = {}


@dataclass
class Change:
    user_ids: list[str]
    kind: str                 # message | read | conversation | connection | ...
    entity_id: str
    event: str | None = None  # Socket.IO event name, when phones should hear at once
    entity: Any = None        # what the event describes, serialised just before the commit


def register_serializer(event_name: str, serialize: Callable[[Any], dict]) -> None:
    _serializers[event_name] = serialize


def serialize(event_name: str, entity: Any) -> dict:
    """The event's JSON, in the shape the API layer registered for it (an empty object if none)."""
    serialize_ = _serializers.get(event_name)
    return serialize_(entity) if serialize_ else {}


def record(change: Change) -> None:
    """Queue a change for the current transaction: streamed on commit, forgotten on rollback."""
    _transaction_info().setdefault(_KEY, []).append(change)


def append(entries: Iterable[tuple[str, str, str]] = ()) -> None:
    """Write `(user_id, kind, entity_id)` stream entries now, in the current transaction, together
    with whatever `record` queued so far.

    One UPDATE moves every stream head concerned (on PostgreSQL after one SELECT that locks those
    users' rows in id order), one INSERT writes the entries. An erased account's stream takes nothing
    more. Call it once, when the use-case knows everything it changed: a second call takes more
    locks later, which is how deadlocks start.
    """
    entries = [*entries, *_take_queued(db.session())]
    if not entries:
        return
    counts = Counter(user_id for user_id, _, _ in entries)
    heads = _reserve_positions(counts)
    now = utcnow()
    rows = []
    for user_id, kind, entity_id in entries:
        if user_id in heads:
            heads[user_id] += 1
            rows.append({"user_id": user_id, "position": heads[user_id], "kind": kind, "entity_id": entity_id,
                         "created_at": now})
    if rows:
        db.session.connection().execute(insert(StreamChange), rows)


def _take_queued(session: Session) -> list[tuple[str, str, str]]:
    """Empty the `record` queue: its events are serialised now (after the commit the session can no
    longer load anything) and its stream entries returned."""
    queued: list[Change] = session.info.pop(_KEY, None) or []
    if not queued:
        return []
    session.flush()
    session.info.setdefault(_EVENTS_KEY, []).extend(
        (c.user_ids, c.event, serialize(c.event, c.entity)) for c in queued if c.event)
    return [(user_id, c.kind, c.entity_id) for c in queued for user_id in dict.fromkeys(c.user_ids)]


def publish_after_commit(user_ids: list[str], event_name: str, payload: dict) -> None:
    """Emit `event_name` with `payload` to these people's devices once the transaction has committed."""
    _transaction_info().setdefault(_EVENTS_KEY, []).append((user_ids, event_name, payload))


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction has committed (never if it rolls back)."""
    callbacks = _transaction_info().setdefault(_AFTER_KEY, [])
    if callback not in callbacks:
        callbacks.append(callback)


def _transaction_info() -> dict:
    """The session's info, with a transaction begun, so that a rollback before any SQL still
    reaches `_discard` (with none begun, `rollback()` fires no event at all)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()
    return session.info


@cache
def _lock_heads_query():
    """Lock the users' rows in id order (PostgreSQL locks in the order rows come back), so two
    transactions sharing people wait for each other instead of deadlocking. FOR NO KEY UPDATE, not
    FOR UPDATE: this transaction has usually inserted rows that reference these users already (a
    message's sender), which holds FOR KEY SHARE on them, and FOR UPDATE would conflict with another
    transaction's KEY SHARE."""
    return (select(User.id).where(User.id.in_(bindparam("ids", expanding=True)))
            .order_by(User.id).with_for_update(key_share=True))  # FOR NO KEY UPDATE


@cache
def _move_heads_query(most: int):
    """UPDATE users' stream heads by each one's count of new entries (at most `most`), in one
    statement that can be reused: the count is written as 1 + [in the ids with 2 or more] + ...,
    one expanding list of ids per step, so the statement depends only on `most`."""
    step = [case((User.id.in_(bindparam(f"at_least_{n}", expanding=True)), 1), else_=0) for n in range(2, most + 1)]
    return (update(User).where(User.id.in_(bindparam("ids", expanding=True)), User.erased_at.is_(None))
            # updated_at stays: it is the profile's, and moving a stream head is no profile edit.
            .values(stream_position=sum(step, User.stream_position + 1), updated_at=User.updated_at)
            .returning(User.id, User.stream_position))


def _reserve_positions(counts: dict[str, int]) -> dict[str, int]:
    """Move each stream head on by its count; return the old heads (erased accounts: none)."""
    most, sql = max(counts.values()), db.session.connection()
    params = {"ids": sorted(counts)} | {
        f"at_least_{n}": [user_id for user_id, count in counts.items() if count >= n] for n in range(2, most + 1)}
    if sql.dialect.name != "sqlite":  # SQLite has one writer at a time: nothing to order
        sql.execute(_lock_heads_query(), {"ids": params["ids"]})
    return {user_id: head - counts[user_id] for user_id, head in sql.execute(_move_heads_query(most), params)}


def _write_queued(session: Session) -> None:
    if session.info.get(_KEY):
        append()


def _publish(session: Session) -> None:
    for user_ids, event_name, payload in session.info.pop(_EVENTS_KEY, None) or []:
        realtime.publish(user_ids, event_name, payload)
    for callback in session.info.pop(_AFTER_KEY, None) or []:
        callback()


def _discard(session: Session, previous_transaction) -> None:
    # A soft rollback fires on every `rollback()`, also when no SQL had run yet (a plain
    # `after_rollback` does not, and the changes would then ride along with the next commit).
    if previous_transaction.nested:
        return  # a savepoint: the outer transaction's changes still stand
    for key in (_KEY, _EVENTS_KEY, _AFTER_KEY):
        session.info.pop(key, None)


def install(session_class) -> None:
    """Hook the queued-change writer and the publisher into every session of `session_class`."""
    if not event.contains(session_class, "before_commit", _write_queued):
        event.listen(session_class, "before_commit", _write_queued)
        event.listen(session_class, "after_commit", _publish)
        event.listen(session_class, "after_soft_rollback", _discard)
