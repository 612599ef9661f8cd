"""Peer connections: ask, accept, decline. Accepting opens a direct conversation."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, tuple_

from models import Connection, ConnectionStatus, User, db, pair_key, utcnow
from services import changes, free_text, notifications, profiles
from services.changes import Change
from services.conversations import open_direct_conversation
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows

# After a decline, the same person may ask again only after this long: a "no" is respected.
ASK_AGAIN_AFTER = timedelta(days=30)


def request_connection(requester: User, *, user_id: str, message: str | None = None) -> Connection:
    """Ask someone to connect; blocked and hidden people look like missing ones."""
    if user_id == requester.id:
        raise InvalidInputError("user_id", "You cannot connect with yourself.")
    profiles.access_user(requester, user_id)
    key = pair_key(requester.id, user_id)
    connection = db.session.scalar(select(Connection).where(Connection.pair_key == key))
    if connection is None:
        connection = Connection(pair_key=key)
        db.session.add(connection)
    else:
        _check_may_ask_again(connection, requester.id)
    connection.requester_id, connection.addressee_id = requester.id, user_id
    connection.status, connection.message = ConnectionStatus.PENDING, message
    connection.created_at = connection.updated_at = utcnow()
    connection.responded_at = None
    db.session.flush()
    _record(connection)
    safety = free_text.screen_fields(requester, source="connection", source_id=connection.id, texts=[message])
    db.session.commit()
    return free_text.with_safety(connection, safety)


def accept_connection(addressee: User, connection_id: str) -> Connection:
    """Accept a request addressed to you; opens (or reopens) your direct conversation."""
    connection = _pending_for_addressee(addressee, connection_id)
    connection.status = ConnectionStatus.ACCEPTED
    connection.responded_at = connection.updated_at = utcnow()
    connection.conversation_id = open_direct_conversation(connection.requester_id, connection.addressee_id).id
    _record(connection)
    db.session.commit()
    return connection


def decline_connection(addressee: User, connection_id: str) -> Connection:
    """Decline a request addressed to you."""
    connection = _pending_for_addressee(addressee, connection_id)
    connection.status = ConnectionStatus.DECLINED
    connection.responded_at = connection.updated_at = utcnow()
    _record(connection)
    db.session.commit()
    return connection


def list_connections(viewer: User, *, status: str | None = None, limit: int = 20,
                     cursor: str | None = None) -> Page[Connection]:
    """The viewer's requests (sent and received) and connections, newest first; cancelled ones never show."""
    stmt = select(Connection).where(
        or_(Connection.requester_id == viewer.id, Connection.addressee_id == viewer.id),
        Connection.status != ConnectionStatus.CANCELLED,
    ).order_by(Connection.updated_at.desc(), Connection.id.desc())
    if status:
        stmt = stmt.where(Connection.status == status)
    after = decode_cursor("connections", cursor)
    if after:
        stmt = stmt.where(tuple_(Connection.updated_at, Connection.id) < tuple_(datetime.fromisoformat(after[0]), after[1]))
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="connections",
                          position_of=lambda c: [c.updated_at.isoformat(), c.id])


def access_connection(viewer: User, connection_id: str) -> Connection:
    connection = db.session.get(Connection, connection_id)
    if (connection is None or viewer.id not in (connection.requester_id, connection.addressee_id)
            or connection.status == ConnectionStatus.CANCELLED):
        raise NotFoundError("Connection request not found.")
    return connection


def _pending_for_addressee(addressee: User, connection_id: str) -> Connection:
    connection = access_connection(addressee, connection_id)
    if connection.addressee_id != addressee.id:
        raise PermissionDeniedError("Only the person asked can answer this request.")
    if connection.status != ConnectionStatus.PENDING:
        raise ConflictError(f"This request was already {connection.status}.")
    return connection


def _check_may_ask_again(connection: Connection, requester_id: str) -> None:
    if connection.status == ConnectionStatus.PENDING:
        raise ConflictError("A connection request between you is already pending.")
    if connection.status == ConnectionStatus.ACCEPTED:
        raise ConflictError("You are already connected.")
    declined_recently = (connection.status == ConnectionStatus.DECLINED and connection.requester_id == requester_id
                         and utcnow() - (connection.responded_at or connection.updated_at) < ASK_AGAIN_AFTER)
    if declined_recently:
        raise ConflictError("This request was declined recently; you can ask again later.")


def _record(connection: Connection) -> None:
    notifications.for_connection(connection)
    changes.record(Change([connection.requester_id, connection.addressee_id], "connection", connection.id,
                          event="connection.updated", entity=connection))
