"""Opaque, signed list cursors: the client can hand them back but not forge or edit them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer

from services.errors import BadTokenError

T = TypeVar("T")
DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["JWT_SECRET_KEY"], salt=f"peerless.cursor.{purpose}")


def encode_cursor(purpose: str, position: Any) -> str:
    return _serializer(purpose).dumps(position)


def decode_cursor(purpose: str, cursor: str | None) -> Any:
    """The position a cursor stands for; None for the first page. A forged cursor is a 400."""
    if cursor is None:
        return None
    try:
        return _serializer(purpose).loads(cursor)
    except BadData:
        raise BadTokenError("This cursor is not valid for this list.") from None


def page_from_rows(rows: list[T], *, limit: int, purpose: str, position_of) -> Page[T]:
    """Build a page from `limit + 1` fetched rows: the extra row only says there is more."""
    if len(rows) <= limit:
        return Page(rows, None)
    kept = rows[:limit]
    return Page(kept, encode_cursor(purpose, position_of(kept[-1])))
