"""UK GDPR rights: a copy of everything we hold about a person, and erasure."""
from __future__ import annotations

from sqlalchemy import delete, or_, select

from models import (
    AuthSession, Block, CheckIn, CheckInReminder, Connection, ConsentRecord, ConversationMember, Device,
    GroupMembership, Message,
    MentorApplication, MentorProfile, Mentorship, MentorshipFeedback, MentorshipStatus, Notification, PushOutbox,
    OrganisationMember, PasswordResetToken, Report, SupportRequest, User, db, utcnow,
)
from models.user import default_settings
from services import audit, changes, devices, groups, organisations, resources
from services.changes import Change

ERASED_NAME = "Deleted user"


def export_user_data(user: User) -> dict:
    """Every record the service holds about `user`, as one JSON-ready document."""
    return {
        "exported_at": utcnow(),
        "account": {
            "id": user.id, "email": user.email, "display_name": user.display_name, "bio": user.bio,
            "pronouns": user.pronouns, "languages": user.languages, "region": user.region,
            "timezone": user.timezone, "birth_year": user.birth_year, "roles": user.roles,
            "settings": user.settings, "created_at": user.created_at, "updated_at": user.updated_at,
        },
        "conditions": [
            {"condition_id": uc.condition_id, "condition": uc.condition.name, "diagnosed_year": uc.diagnosed_year,
             "treatments": uc.treatments, "visibility": uc.visibility}
            for uc in user.conditions
        ],
        "consents": [
            {"kind": c.kind, "version": c.version, "granted": c.granted, "recorded_at": c.recorded_at}
            for c in db.session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)
                                        .order_by(ConsentRecord.recorded_at))
        ],
        "messages": [
            {"id": m.id, "conversation_id": m.conversation_id, "seq": m.seq, "body": m.body,
             "created_at": m.created_at, "edited_at": m.edited_at, "deleted": m.deleted}
            for m in db.session.scalars(select(Message).where(Message.sender_id == user.id)
                                        .order_by(Message.created_at))
        ],
        "connections": [
            {"id": c.id, "requester_id": c.requester_id, "addressee_id": c.addressee_id, "status": c.status,
             "message": c.message, "created_at": c.created_at, "responded_at": c.responded_at}
            for c in db.session.scalars(select(Connection).where(
                or_(Connection.requester_id == user.id, Connection.addressee_id == user.id)))
        ],
        "blocks": [{"user_id": b.blocked_id, "created_at": b.created_at}
                   for b in db.session.scalars(select(Block).where(Block.blocker_id == user.id))],
        "devices": [{"id": d.id, "platform": d.platform, "app_version": d.app_version, "created_at": d.created_at}
                    for d in db.session.scalars(select(Device).where(Device.user_id == user.id))],
        "notifications": [
            {"id": n.id, "type": n.type, "data": n.data, "created_at": n.created_at, "read_at": n.read_at}
            for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                        .order_by(Notification.created_at))
        ],
        "mentor_applications": [
            {"id": a.id, "status": a.status, "motivation": a.motivation, "experience": a.experience,
             "training": a.training, "condition_ids": a.condition_ids, "created_at": a.created_at}
            for a in db.session.scalars(select(MentorApplication).where(MentorApplication.user_id == user.id))
        ],
        "mentor_profile": _mentor_profile(user.id),
        "mentorships": [
            {"id": m.id, "role": "mentor" if m.mentor_id == user.id else "mentee", "status": m.status,
             "message": m.message, "goals": m.goals, "created_at": m.created_at, "ended_at": m.ended_at}
            for m in db.session.scalars(select(Mentorship).where(
                or_(Mentorship.mentor_id == user.id, Mentorship.mentee_id == user.id)))
        ],
        "feedback_given": [
            {"mentorship_id": f.mentorship_id, "rating": f.rating, "comment": f.comment, "created_at": f.created_at}
            for f in db.session.scalars(select(MentorshipFeedback).join(Mentorship).where(
                Mentorship.mentee_id == user.id))
        ],
        "support_requests": [
            {"id": r.id, "intent": r.intent, "duration": r.duration, "condition_id": r.condition_id,
             "topic": r.topic, "status": r.status, "created_at": r.created_at}
            for r in db.session.scalars(select(SupportRequest).where(SupportRequest.user_id == user.id))
        ],
        "circles": [
            {"group_id": g.group_id, "status": g.status, "role": g.role, "created_at": g.created_at}
            for g in db.session.scalars(select(GroupMembership).where(GroupMembership.user_id == user.id))
        ],
        "reports_filed": [
            {"id": r.id, "target_type": r.target_type, "target_id": r.target_id, "reason": r.reason,
             "details": r.details, "status": r.status, "created_at": r.created_at}
            for r in db.session.scalars(select(Report).where(Report.reporter_id == user.id))
        ],
        "organisations": [
            {"organisation_id": m.organisation_id, "name": org.name, "role": m.role, "joined_at": m.joined_at}
            for m, org in organisations.memberships_of(user.id)
        ],
        "sessions": [
            {"id": s.id, "created_at": s.created_at, "revoked_at": s.revoked_at, "revoked_reason": s.revoked_reason}
            for s in db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)
                                        .order_by(AuthSession.created_at))
        ],
        "check_ins": [
            {"id": c.id, "instrument": c.instrument, "answers": c.answers, "scores": c.scores,
             "created_at": c.created_at}
            for c in db.session.scalars(select(CheckIn).where(CheckIn.user_id == user.id)
                                        .order_by(CheckIn.created_at, CheckIn.id))
        ],
        "check_in_reminders": _check_in_reminders(user.id),
        "resources_authored": resources.authored_by(user.id),
    }


def erase_account(user: User) -> None:
    """Erase the person: profile, conditions, consents and sessions go; the row stays as "Deleted user"
    so other people's conversation histories keep their shape."""
    user.email = None
    user.password_hash = None
    user.display_name = ERASED_NAME
    user.bio = user.pronouns = user.region = user.timezone = None
    user.birth_year = None
    user.languages = []
    user.settings = default_settings()
    user.erased_at = utcnow()
    user.conditions = []
    user.role_rows = []
    db.session.execute(delete(ConsentRecord).where(ConsentRecord.user_id == user.id))
    db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    devices.remove_all_devices(user.id)
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(PushOutbox).where(PushOutbox.user_id == user.id))
    db.session.execute(delete(OrganisationMember).where(OrganisationMember.user_id == user.id))
    db.session.execute(delete(CheckIn).where(CheckIn.user_id == user.id))
    db.session.execute(delete(CheckInReminder).where(CheckInReminder.user_id == user.id))
    _remove_message_bodies(user.id)
    _leave_mentoring_and_circles(user)
    resources.forget_author(user.id)
    audit.record(user.id, "account.erased", target_type="user", target_id=user.id)  # the id only: nothing personal
    db.session.commit()


def _check_in_reminders(user_id: str) -> dict | None:
    reminder = db.session.get(CheckInReminder, user_id)
    if reminder is None:
        return None
    return {"cadence": reminder.cadence, "instruments": reminder.instruments, "next_due_at": reminder.next_due_at}


def _mentor_profile(user_id: str) -> dict | None:
    profile = db.session.get(MentorProfile, user_id)
    if profile is None:
        return None
    return {"accepting_mentees": profile.accepting_mentees, "capacity": profile.capacity,
            "support_types": profile.support_types, "availability": profile.availability,
            "accredited_until": profile.accredited_until}


def _leave_mentoring_and_circles(user: User) -> None:
    """Open mentorships end, the mentor profile and applications go, circle places are freed."""
    now = utcnow()
    for mentorship in db.session.scalars(select(Mentorship).where(
            or_(Mentorship.mentor_id == user.id, Mentorship.mentee_id == user.id),
            Mentorship.status.in_([MentorshipStatus.REQUESTED, MentorshipStatus.ACTIVE]))):
        if mentorship.status == MentorshipStatus.ACTIVE:
            mentor_profile = db.session.get(MentorProfile, mentorship.mentor_id)
            if mentor_profile is not None:
                mentor_profile.active_mentees = max(0, mentor_profile.active_mentees - 1)
        mentorship.status, mentorship.ended_at, mentorship.updated_at = MentorshipStatus.ENDED, now, now
    db.session.execute(delete(MentorProfile).where(MentorProfile.user_id == user.id))
    db.session.execute(delete(MentorApplication).where(MentorApplication.user_id == user.id))
    db.session.execute(delete(SupportRequest).where(SupportRequest.user_id == user.id))
    for membership in db.session.scalars(select(GroupMembership).where(GroupMembership.user_id == user.id)):
        groups.remove_membership(membership)


def _remove_message_bodies(user_id: str) -> None:
    """The person's messages stay in the others' histories as tombstones of a "Deleted user"."""
    for message in db.session.scalars(select(Message).where(Message.sender_id == user_id,
                                                            Message.deleted_at.is_(None))):
        message.body, message.deleted_at = None, utcnow()
        members = db.session.scalars(select(ConversationMember.user_id).where(
            ConversationMember.conversation_id == message.conversation_id, ConversationMember.left_at.is_(None)))
        changes.record(Change(list(members), "message", message.id, event="message.updated", entity=message))
