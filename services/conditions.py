"""The condition taxonomy: search by name or synonym."""
from __future__ import annotations

import unicodedata

from sqlalchemy import select, tuple_

from models import Condition, db
from services.pagination import Page, decode_cursor, page_from_rows


def search_conditions(*, q: str | None = None, limit: int = 20, cursor: str | None = None) -> Page[Condition]:
    """Conditions whose name or synonyms contain `q`, alphabetically."""
    stmt = select(Condition).order_by(Condition.name, Condition.id)
    if q and q.strip():
        pattern = f"%{escape_like(folded(q.strip()))}%"
        stmt = stmt.where(Condition.search_text.like(pattern, escape="\\"))
    after = decode_cursor("conditions", cursor)
    if after:
        stmt = stmt.where(tuple_(Condition.name, Condition.id) > tuple_(*after))
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="conditions", position_of=lambda c: [c.name, c.id])


def existing_condition_ids(condition_ids: set[str]) -> set[str]:
    if not condition_ids:
        return set()
    return set(db.session.scalars(select(Condition.id).where(Condition.id.in_(condition_ids))))


def names_of(condition_ids: set[str]) -> dict[str, str]:
    """Condition names by id (the taxonomy is public), for lists that store ids only."""
    if not condition_ids:
        return {}
    return dict(db.session.execute(select(Condition.id, Condition.name).where(Condition.id.in_(condition_ids))).all())


def related_condition_ids(condition_ids: set[str]) -> set[str]:
    """The conditions themselves plus their parent groups: what "the same kind of condition" means."""
    if not condition_ids:
        return set()
    parents = db.session.scalars(select(Condition.parent_id).where(Condition.id.in_(condition_ids)))
    return set(condition_ids) | {p for p in parents if p}


def folded(text: str) -> str:
    """Lower case without accents, as `search_text` is stored (migration 0002): `sjögren` finds Sjögren's."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def escape_like(text: str) -> str:
    """Make `text` match literally inside a LIKE pattern (with escape='\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


