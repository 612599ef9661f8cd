"""The unit of work's side effects: change-stream entries written in the transaction, events after it.

Services call `record()` while they work. Just before the transaction commits, every recorded
change is appended to the change stream of each person concerned (what `/sync` reads). Only
after the commit succeeds are the matching Socket.IO events published, so a phone never hears
about something that was rolled back. A rollback discards both.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import event, insert, update
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


# Event name -> functions run inside the same transaction, just before it commits (e.g. the
# inbox and push outbox rows a new message causes): they commit or roll back with the event.
_handlers: dict[str, list[Callable[[Any], None]]] = {}


def register_serializer(event_name: str, serialize: Callable[[Any], dict]) -> None:
    _serializers[event_name] = serialize


def on_event(event_name: str, handler: Callable[[Any], None]) -> None:
    if handler not in _handlers.setdefault(event_name, []):
        _handlers[event_name].append(handler)


def record(change: Change) -> None:
    """Queue a change for the current transaction: streamed on commit, forgotten on rollback."""
    _transaction_info().setdefault(_KEY, []).append(change)


def _transaction_info() -> dict:
    """The session's info, with a transaction begun, so that a rollback before any SQL still
    reaches `_discard` (with none begun, `rollback()` fires no event at all)."""
    session = db.session()
    if not session.in_transaction():
        session.begin()
    return session.info


def _append_to_streams(session: Session) -> None:
    changes: list[Change] = session.info.pop(_KEY, None) or []
    if not changes:
        return
    for change in changes:
        for handler in _handlers.get(change.event or "", ()):
            handler(change.entity)
    changes += session.info.pop(_KEY, None) or []  # what the handlers recorded
    session.flush()
    # Serialise now: after the commit the session can no longer load anything.
    session.info[_EVENTS_KEY] = [
        (c.user_ids, c.event, _serializers[c.event](c.entity) if c.event in _serializers else {})
        for c in changes if c.event
    ]
    entries = [(user_id, c.kind, c.entity_id) for c in changes for user_id in dict.fromkeys(c.user_ids)]
    counts: dict[str, int] = {}
    for user_id, _, _ in entries:
        counts[user_id] = counts.get(user_id, 0) + 1
    heads = _reserve_positions(session, counts)
    rows = []
    for user_id, kind, entity_id in entries:
        if user_id not in heads:  # an erased account's stream takes nothing more
            continue
        heads[user_id] += 1
        rows.append({"user_id": user_id, "position": heads[user_id], "kind": kind, "entity_id": entity_id,
                     "created_at": utcnow()})
    session.execute(insert(StreamChange), rows)


def _reserve_positions(session: Session, counts: dict[str, int]) -> dict[str, int]:
    """Move each stream head on, one user at a time in id order (so no deadlocks); return the old heads.

    The UPDATE itself takes the row lock, and on PostgreSQL it is FOR NO KEY UPDATE (the column is
    no key): this transaction has usually inserted rows that reference these users already (a
    message's sender), which holds FOR KEY SHARE on them, and FOR UPDATE would conflict with another
    transaction's KEY SHARE, so two senders sharing a member would deadlock.
    """
    heads = {}
    for user_id in sorted(counts):
        new_head = session.execute(
            update(User).where(User.id == user_id, User.erased_at.is_(None))
            # updated_at stays: it is the profile's, and moving a stream head is no profile edit.
            .values(stream_position=User.stream_position + counts[user_id], updated_at=User.updated_at)
            .returning(User.stream_position)
        ).scalar_one_or_none()
        if new_head is not None:
            heads[user_id] = new_head - counts[user_id]
    return heads


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the current transaction has committed (never if it rolls back)."""
    callbacks = _transaction_info().setdefault(_AFTER_KEY, [])
    if callback not in callbacks:
        callbacks.append(callback)


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
    """Hook the stream writer and the publisher into every session of `session_class`."""
    if not event.contains(session_class, "before_commit", _append_to_streams):
        event.listen(session_class, "before_commit", _append_to_streams)
        event.listen(session_class, "after_commit", _publish)
        event.listen(session_class, "after_soft_rollback", _discard)
