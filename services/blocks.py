"""Blocks: a silent, two-way wall. Each disappears from the other's view; neither is told."""
from __future__ import annotations

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from models import (
    Block, Connection, ConnectionStatus, MentorProfile, Mentorship, MentorshipStatus, User, db, pair_key, utcnow,
)
from services import changes
from services.changes import Change
from services.errors import InvalidInputError, NotFoundError


def is_blocked_either_way(user_a: str, user_b: str) -> bool:
    return db.session.scalar(
        select(Block.blocker_id).where(or_(
            (Block.blocker_id == user_a) & (Block.blocked_id == user_b),
            (Block.blocker_id == user_b) & (Block.blocked_id == user_a),
        )).limit(1)
    ) is not None


def hidden_user_ids(user_id: str) -> set[str]:
    """Everyone `user_id` blocked or was blocked by: they never appear to each other."""
    rows = db.session.execute(
        select(Block.blocker_id, Block.blocked_id).where(or_(Block.blocker_id == user_id, Block.blocked_id == user_id))
    )
    return {blocked if blocker == user_id else blocker for blocker, blocked in rows}


def block_user(blocker: User, *, user_id: str) -> tuple[Block, bool]:
    """Block someone; return the block and whether it is new. A pending request between them is withdrawn."""
    if user_id == blocker.id:
        raise InvalidInputError("user_id", "You cannot block yourself.")
    target = db.session.get(User, user_id)
    if target is None or target.erased_at is not None:
        raise NotFoundError("User not found.")
    existing = db.session.get(Block, (blocker.id, user_id))
    if existing:
        return existing, False
    block = Block(blocker_id=blocker.id, blocked_id=user_id)
    try:
        db.session.add(block)
        db.session.flush()
        _withdraw_pending_request(blocker, user_id)
        _close_mentorships(blocker, user_id)
        db.session.commit()
    except IntegrityError:  # a double tap raced us to it: the block exists, which is what was asked
        db.session.rollback()
        existing = db.session.get(Block, (blocker.id, user_id))
        if existing is None:
            raise
        return existing, False
    return block, True


def _withdraw_pending_request(blocker: User, user_id: str) -> None:
    """Cancel a pending request between them, either way round. Only the blocker's own devices hear
    of it (through /sync and Socket.IO, so they drop it too); the blocked person is never told."""
    pending = db.session.scalar(select(Connection).where(
        Connection.pair_key == pair_key(blocker.id, user_id), Connection.status == ConnectionStatus.PENDING,
    ).with_for_update())
    if pending is None:
        return
    pending.status, pending.updated_at = ConnectionStatus.CANCELLED, utcnow()
    changes.record(Change([blocker.id], "connection", pending.id, event="connection.updated", entity=pending))


def _close_mentorships(blocker: User, user_id: str) -> None:
    """A request between them is withdrawn and an active mentorship ends, silently for the other side."""
    now = utcnow()
    for mentorship in db.session.scalars(select(Mentorship).where(
            or_((Mentorship.mentor_id == blocker.id) & (Mentorship.mentee_id == user_id),
                (Mentorship.mentor_id == user_id) & (Mentorship.mentee_id == blocker.id)),
            Mentorship.status.in_([MentorshipStatus.REQUESTED, MentorshipStatus.ACTIVE])).with_for_update()):
        if mentorship.status == MentorshipStatus.ACTIVE:
            db.session.execute(update(MentorProfile).where(
                MentorProfile.user_id == mentorship.mentor_id, MentorProfile.active_mentees > 0)
                .values(active_mentees=MentorProfile.active_mentees - 1))
            mentorship.status, mentorship.ended_at, mentorship.ended_by = MentorshipStatus.ENDED, now, blocker.id
        else:
            mentorship.status, mentorship.responded_at = MentorshipStatus.DECLINED, now
        mentorship.updated_at = now
        changes.record(Change([blocker.id], "mentorship", mentorship.id, event="mentorship.updated",
                              entity=mentorship))


def list_blocks(blocker: User) -> list[Block]:
    return list(db.session.scalars(
        select(Block).where(Block.blocker_id == blocker.id).order_by(Block.created_at.desc())
    ))


def unblock_user(blocker: User, *, user_id: str) -> None:
    """Lift a block; idempotent, and the other person is not told."""
    db.session.execute(delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == user_id))
    db.session.commit()
