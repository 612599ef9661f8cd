"""The audit log: every moderator action and every moderator read of reported content."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditEntry, User, db
from services.errors import PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows


def record(actor_id: str | None, action: str, *, target_type: str | None = None, target_id: str | None = None,
           reason: str | None = None, **details: str) -> None:
    """Append an entry to the current transaction (it commits, or vanishes, with what it describes)."""
    db.session.add(AuditEntry(actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                              reason=reason, details=details))


def list_entries(admin: User, *, limit: int = 50, cursor: str | None = None) -> Page[AuditEntry]:
    """Admins only: the audit log, newest first."""
    if not admin.has_role("admin"):
        raise PermissionDeniedError("Only admins can read the audit log.")
    stmt = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    offset = decode_cursor("audit", cursor) or 0
    rows = list(db.session.scalars(stmt.offset(offset).limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="audit", position_of=lambda _: offset + limit)
