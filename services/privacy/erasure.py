"""Erasure (`DELETE /me`): everything the person wrote or that is about them is deleted or anonymised.

What happens to each column is decided in coverage.COVERAGE: the plain DELETE and NULL rules run
straight from that map; the steps below are the ones that need more than a DELETE (tombstones that
keep others' histories in order, mentor counts, circle places, ids inside strings and JSON). The
user row stays as an anonymous "Deleted user" shell so that foreign keys in others' histories hold.
"""
from __future__ import annotations

from sqlalchemy import String, and_, cast, delete, or_, select, update

from models import (
    AuthSession, Connection, Conversation, ConversationKind, ConversationMember, GroupMembership, Message, MentorProfile,
    Mentorship, MentorshipFeedback, MentorshipStatus, Notification, PushOutbox, RefreshToken, Report, StreamChange,
    User, db, utcnow,
)
from models.user import default_settings
from services import audit, changes, groups, mentorships, passwords, realtime, resources
from services.courses import enrolment as course_enrolment
from services.changes import Change
from services.errors import NotFoundError, ServiceError
from services.privacy.coverage import DELETE, NULL, user_id_columns

ERASED_NAME = "Deleted user"


class RecentSignInRequiredError(ServiceError):
    status, code, title = 401, "recent_sign_in_required", "Sign in again to do this"


class PasswordIncorrectError(ServiceError):
    status, code, title = 401, "password_incorrect", "The password is not correct"


def require_recent_sign_in(user: User, *, fresh_token: bool, password: str | None) -> None:
    """An irreversible action needs proof that the person is here now: a token from a sign-in within
    RECENT_SIGN_IN_SECONDS, or their password (so a stolen phone or refresh token cannot erase them)."""
    if password is not None:
        if not passwords.verify_password(user.password_hash, password):
            raise PasswordIncorrectError("The password is not correct; nothing was changed.")
        return
    if not fresh_token:
        raise RecentSignInRequiredError(
            "Deleting your account cannot be undone. Sign in again, or send your password as `password`.")


def erase_account(user: User, *, fresh_token: bool, password: str | None = None) -> None:
    """Erase the person (after checking they signed in recently), then drop their live sockets."""
    require_recent_sign_in(user, fresh_token=fresh_token, password=password)
    _erase(user, actor_id=user.id)


def erase_on_request(email: str) -> str:
    """An operator erases an account on a request checked outside the app (someone suspended, or who
    lost access to their email and password); returns the erased id. The audit log says an operator did it."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower(), User.erased_at.is_(None)))
    if user is None:
        raise NotFoundError("No account uses this email.")
    _erase(user, actor_id=None, by="operator")
    return user.id


def _erase(user: User, *, actor_id: str | None, **audit_details: str) -> None:
    user_id, now = user.id, utcnow()
    # Claim the erasure in one conditional UPDATE: of two requests racing (a double tap), the second
    # waits for the first and then finds nothing left to do. From here on nothing new reaches the
    # person's inbox or change stream.
    claimed = db.session.execute(update(User).where(User.id == user_id, User.erased_at.is_(None))
                                 .values(erased_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        return
    user.erased_at = now
    forgotten = [user_id, *_end_mentorships(user_id), *_connection_ids(user_id)]
    course_enrolment.forget_person(user_id)  # before the circles: a place given back is offered on
    for membership in db.session.scalars(select(GroupMembership).where(GroupMembership.user_id == user_id)):
        groups.remove_membership(membership)
    _tombstone_messages(user_id)
    _end_direct_conversations(user_id)
    _anonymise_reports(user_id)
    _forget_references(forgotten)
    resources.forget_author(user_id)
    _anonymise_user(user)
    db.session.execute(delete(RefreshToken).where(RefreshToken.session_id.in_(
        select(AuthSession.id).where(AuthSession.user_id == user_id))))
    _apply_coverage_rules(user_id)
    # The id only: nothing personal.
    audit.record(actor_id, "account.erased", target_type="user", target_id=user_id, **audit_details)
    db.session.commit()
    realtime.end_user_sessions(user_id)  # the sessions are gone; open sockets follow within seconds


def _anonymise_user(user: User) -> None:
    user.email = user.password_hash = None
    user.display_name = ERASED_NAME
    user.bio = user.pronouns = user.region = user.timezone = None
    user.birth_year = user.health_consent_withdrawn_at = None
    user.languages = []
    user.settings = default_settings()
    user.matching_scope = "network"
    user.conditions = []
    user.role_rows = []
    db.session.flush()  # the ORM deletes its rows before the bulk deletes below look for them


def _apply_coverage_rules(user_id: str) -> None:
    """The map's plain rules: null the references it says to null, delete the rows it says to delete
    (children before parents, so foreign keys hold on every engine)."""
    for column in user_id_columns(db.metadata, NULL):
        db.session.execute(update(column.table).where(column == user_id).values({column.name: None}))
    for column in user_id_columns(db.metadata, DELETE):
        db.session.execute(delete(column.table).where(column == user_id))


def _end_mentorships(user_id: str) -> list[str]:
    """Every mentorship the person was in goes, with the feedback in it; the other side's app is told
    it ended, and a mentor's counts and rating are worked out again without it. Returns their ids."""
    now = utcnow()
    ended = list(db.session.scalars(select(Mentorship).where(
        or_(Mentorship.mentor_id == user_id, Mentorship.mentee_id == user_id))))
    counterparts = set()
    for mentorship in ended:
        if mentorship.status == MentorshipStatus.ACTIVE:
            profile = db.session.get(MentorProfile, mentorship.mentor_id)
            if profile is not None:
                profile.active_mentees = max(0, profile.active_mentees - 1)
        if mentorship.status in (MentorshipStatus.REQUESTED, MentorshipStatus.ACTIVE):
            mentorship.status, mentorship.ended_at, mentorship.updated_at = MentorshipStatus.ENDED, now, now
            mentorship.message, mentorship.goals = None, []
            changes.record(Change([mentorship.mentor_id, mentorship.mentee_id], "mentorship", mentorship.id,
                                  event="mentorship.updated", entity=mentorship))
        counterparts.add(mentorship.mentor_id)
    ids = [m.id for m in ended]
    if ids:
        db.session.execute(delete(MentorshipFeedback).where(MentorshipFeedback.mentorship_id.in_(ids)))
        db.session.flush()
        for mentorship in ended:
            db.session.delete(mentorship)
        db.session.flush()
    for mentor_id in counterparts - {user_id}:
        mentorships.refresh_mentor_figures(mentor_id)
    return ids


def _connection_ids(user_id: str) -> list[str]:
    return list(db.session.scalars(select(Connection.id).where(
        or_(Connection.requester_id == user_id, Connection.addressee_id == user_id))))


def _tombstone_messages(user_id: str) -> None:
    """The person's messages stay in the others' histories as tombstones of a "Deleted user": no body,
    no labels, and the app's retry key replaced by the message id."""
    now = utcnow()
    for message in db.session.scalars(select(Message).where(Message.sender_id == user_id)):
        was_visible = message.deleted_at is None
        message.body, message.labels, message.client_msg_id = None, [], message.id
        message.deleted_at = message.deleted_at or now
        if was_visible:
            members = db.session.scalars(select(ConversationMember.user_id).where(
                ConversationMember.conversation_id == message.conversation_id, ConversationMember.left_at.is_(None)))
            changes.record(Change(list(members), "message", message.id, event="message.updated", entity=message))


def _end_direct_conversations(user_id: str) -> None:
    """Direct conversations end: the pair key goes (nobody can open one with the shell again) and
    sending into them is refused (services/messages.py). The shell stays a member so the other person's
    history shows "Deleted user"; its read position and mute go."""
    db.session.execute(update(Conversation).where(
        Conversation.kind == ConversationKind.DIRECT, Conversation.direct_key.contains(user_id))
        .values(direct_key=None))
    db.session.execute(update(ConversationMember).where(ConversationMember.user_id == user_id)
                       .values(read_seq=0, muted=False))


def _anonymise_reports(user_id: str) -> None:
    """Reports the person filed stay for moderation, without reporter or their words; reports and
    detector alerts about the person go with them."""
    db.session.execute(update(Report).where(Report.reporter_id == user_id).values(reporter_id=None, details=None))
    db.session.execute(delete(Report).where(or_(
        Report.target_user_id == user_id, and_(Report.target_type == "user", Report.target_id == user_id))))


def _forget_references(ids: list[str], *, batch: int = 50) -> None:
    """Other people's inbox entries and change-stream entries that name the person (or a connection or
    mentorship with them) go: their ids sit inside JSON and composite strings, out of reach of a foreign
    key. One pass over each table per `batch` ids, however many connections the person had."""
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        mentions = or_(*(cast(Notification.data, String).contains(found) for found in chunk))
        db.session.execute(delete(PushOutbox).where(PushOutbox.notification_id.in_(
            select(Notification.id).where(mentions))))
        db.session.execute(delete(Notification).where(mentions))
        db.session.execute(delete(StreamChange).where(or_(*(StreamChange.entity_id.contains(f) for f in chunk))))
