"""Export (`GET /me/export`): a copy of everything the service holds about a person, one JSON document.

Sections follow coverage.COVERAGE (each personal column names its section there). Other people's
words about the person are left out where showing them would expose those people: who blocked
them, who reported them and what the reporter wrote, a staff member's identity.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from models import (
    AuditEntry, AuthSession, Block, CheckIn, CheckInReminder, Connection, ConsentRecord, Conversation,
    ConversationMember, Device, Group, GroupMembership, MentorApplication, MentorProfile, Mentorship,
    MentorshipFeedback, Message, Notification, PasswordResetToken, Report, SafetyFlag, SupportRequest, User, db, utcnow,
)
from services import organisations, resources
from services.courses import export as course_export
from services.errors import NotFoundError


def _rows(stmt) -> list:
    return list(db.session.scalars(stmt))


def export_user_data(user: User) -> dict:
    """Every record the service holds about `user`, as one JSON-ready document."""
    uid = user.id
    return {
        "exported_at": utcnow(),
        "account": _account(user),
        "conditions": [
            {"condition_id": uc.condition_id, "condition": uc.condition.name, "diagnosed_year": uc.diagnosed_year,
             "treatments": uc.treatments, "visibility": uc.visibility}
            for uc in user.conditions
        ],
        "consents": [
            {"kind": c.kind, "version": c.version, "granted": c.granted, "recorded_at": c.recorded_at}
            for c in _rows(select(ConsentRecord).where(ConsentRecord.user_id == uid).order_by(ConsentRecord.recorded_at))
        ],
        "messages": [
            {"id": m.id, "conversation_id": m.conversation_id, "seq": m.seq, "client_msg_id": m.client_msg_id,
             "body": m.body, "labels": m.labels, "created_at": m.created_at, "edited_at": m.edited_at,
             "deleted": m.deleted}
            for m in _rows(select(Message).where(Message.sender_id == uid).order_by(Message.created_at))
        ],
        "conversations": [
            {"conversation_id": m.conversation_id, "kind": m.conversation.kind, "joined_at": m.joined_at,
             "left_at": m.left_at, "read_seq": m.read_seq, "muted": m.muted}
            for m in _rows(select(ConversationMember).where(ConversationMember.user_id == uid)
                           .options(joinedload(ConversationMember.conversation).noload(Conversation.members))
                           .order_by(ConversationMember.joined_at))
        ],
        "connections": [
            {"id": c.id, "requester_id": c.requester_id, "addressee_id": c.addressee_id,
             "other_user_id": c.other_party(uid), "status": c.status, "message": c.message,
             "conversation_id": c.conversation_id, "created_at": c.created_at, "updated_at": c.updated_at,
             "responded_at": c.responded_at}
            for c in _rows(select(Connection).where(or_(Connection.requester_id == uid, Connection.addressee_id == uid)))
        ],
        # Blocks the person made; who blocked them is the blocker's own safety choice.
        "blocks": [{"user_id": b.blocked_id, "created_at": b.created_at}
                   for b in _rows(select(Block).where(Block.blocker_id == uid))],
        "devices": [{"id": d.id, "platform": d.platform, "app_version": d.app_version, "created_at": d.created_at,
                     "updated_at": d.updated_at}  # never the push token: it is a credential
                    for d in _rows(select(Device).where(Device.user_id == uid))],
        "notifications": [
            {"id": n.id, "type": n.type, "data": n.data, "conversation_id": n.conversation_id, "seq": n.seq,
             "created_at": n.created_at, "read_at": n.read_at}
            for n in _rows(select(Notification).where(Notification.user_id == uid).order_by(Notification.created_at))
        ],
        "mentor_applications": [
            {"id": a.id, "status": a.status, "motivation": a.motivation, "experience": a.experience,
             "training": a.training, "condition_ids": a.condition_ids, "created_at": a.created_at,
             "decided_at": a.decided_at, "note": a.note}
            for a in _rows(select(MentorApplication).where(MentorApplication.user_id == uid))
        ],
        "mentor_profile": _mentor_profile(uid),
        "mentorships": [_mentorship(m, uid) for m in _rows(select(Mentorship).where(
            or_(Mentorship.mentor_id == uid, Mentorship.mentee_id == uid)).order_by(Mentorship.created_at))],
        "feedback_given": [
            {"mentorship_id": f.mentorship_id, "mentor_id": f.mentor_id, "rating": f.rating, "comment": f.comment,
             "created_at": f.created_at}
            for f in _rows(select(MentorshipFeedback).join(Mentorship).where(Mentorship.mentee_id == uid))
        ],
        "feedback_received": [
            {"mentorship_id": f.mentorship_id, "rating": f.rating, "comment": f.comment, "created_at": f.created_at}
            for f in _rows(select(MentorshipFeedback).where(MentorshipFeedback.mentor_id == uid))
        ],
        "support_requests": [
            {"id": r.id, "intent": r.intent, "duration": r.duration, "condition_id": r.condition_id,
             "topic": r.topic, "urgency": r.urgency, "status": r.status, "answered_by": r.answered_by,
             "created_at": r.created_at, "closed_at": r.closed_at}
            for r in _rows(select(SupportRequest).where(SupportRequest.user_id == uid))
        ],
        "circles": [
            {"group_id": g.group_id, "status": g.status, "role": g.role, "created_at": g.created_at}
            for g in _rows(select(GroupMembership).where(GroupMembership.user_id == uid))
        ],
        "circles_created": [
            {"id": g.id, "name": g.name, "description": g.description, "created_at": g.created_at}
            for g in _rows(select(Group).where(Group.created_by == uid))
        ],
        "reports_filed": [
            {"id": r.id, "source": r.source, "target_type": r.target_type, "target_id": r.target_id,
             "reason": r.reason, "details": r.details, "status": r.status, "action": r.action,
             "created_at": r.created_at, "resolved_at": r.resolved_at}
            for r in _rows(select(Report).where(Report.reporter_id == uid))
        ],
        "reports_about_me": _reports_about(uid),
        "safety_flags": [
            {"id": f.id, "kind": f.kind, "found": f.found, "conversation_id": f.conversation_id,
             "message_id": f.message_id, "created_at": f.created_at}
            for f in _rows(select(SafetyFlag).where(SafetyFlag.user_id == uid))
        ],
        "moderation_actions_about_me": [
            {"action": e.action, "reason": e.reason, "created_at": e.created_at}
            for e in _rows(select(AuditEntry).where(AuditEntry.target_type == "user", AuditEntry.target_id == uid,
                                                    or_(AuditEntry.actor_id.is_(None), AuditEntry.actor_id != uid))
                           .order_by(AuditEntry.created_at))
        ],
        "staff_actions": [
            {"action": e.action, "target_type": e.target_type, "target_id": e.target_id, "created_at": e.created_at}
            for e in _rows(select(AuditEntry).where(AuditEntry.actor_id == uid).order_by(AuditEntry.created_at))
        ],
        "organisations": [
            {"organisation_id": m.organisation_id, "name": org.name, "role": m.role,
             "referral_code_id": m.referral_code_id, "joined_at": m.joined_at}
            for m, org in organisations.memberships_of(uid)
        ],
        "sessions": [
            {"id": s.id, "created_at": s.created_at, "revoked_at": s.revoked_at, "revoked_reason": s.revoked_reason}
            for s in _rows(select(AuthSession).where(AuthSession.user_id == uid).order_by(AuthSession.created_at))
        ],
        "password_resets": [
            {"created_at": t.created_at, "expires_at": t.expires_at, "used_at": t.used_at}  # never the hash
            for t in _rows(select(PasswordResetToken).where(PasswordResetToken.user_id == uid)
                           .order_by(PasswordResetToken.created_at))
        ],
        "check_ins": [
            {"id": c.id, "instrument": c.instrument, "answers": c.answers, "scores": c.scores,
             "created_at": c.created_at}
            for c in _rows(select(CheckIn).where(CheckIn.user_id == uid).order_by(CheckIn.created_at, CheckIn.id))
        ],
        "check_in_reminders": _check_in_reminders(uid),
        "resources_authored": resources.authored_by(uid),
        **course_export.export_sections(uid),
    }


def export_on_request(email: str) -> dict:
    """The same copy for an operator answering a request checked outside the app (someone who cannot sign in)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError("No account uses this email.")
    return export_user_data(user)


def _account(user: User) -> dict:
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name, "bio": user.bio,
        "pronouns": user.pronouns, "languages": user.languages, "region": user.region,
        "timezone": user.timezone, "birth_year": user.birth_year, "roles": user.roles,
        "settings": user.settings, "matching_scope": user.matching_scope,
        "health_consent_withdrawn_at": user.health_consent_withdrawn_at, "suspended_at": user.suspended_at,
        "erased_at": user.erased_at, "created_at": user.created_at, "updated_at": user.updated_at,
    }


def _mentorship(m: Mentorship, uid: str) -> dict:
    return {
        "id": m.id, "role": "mentor" if m.mentor_id == uid else "mentee", "mentor_id": m.mentor_id,
        "mentee_id": m.mentee_id, "status": m.status, "message": m.message, "goals": m.goals,
        "conversation_id": m.conversation_id, "created_at": m.created_at, "expires_at": m.expires_at,
        "responded_at": m.responded_at, "started_at": m.started_at, "ended_at": m.ended_at,
        "ended_by_me": m.ended_by == uid if m.ended_by else None, "updated_at": m.updated_at,
    }


def _reports_about(uid: str) -> list[dict]:
    """Reports and detector alerts about the person: what was raised and what came of it. The reporter
    and their words are left out (they would expose the reporter); detector alerts name no one."""
    stmt = select(Report).where(or_(Report.target_user_id == uid,
                                    and_(Report.target_type == "user", Report.target_id == uid)))
    return [{"id": r.id, "source": r.source, "target_type": r.target_type, "target_id": r.target_id,
             "reason": r.reason, "severity": r.severity, "status": r.status, "action": r.action,
             "detected": r.details if r.reporter_id is None else None,  # the detector's categories only
             "created_at": r.created_at, "resolved_at": r.resolved_at}
            for r in _rows(stmt.order_by(Report.created_at))]


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
            "active_mentees": profile.active_mentees, "support_types": profile.support_types,
            "availability": profile.availability, "accredited_until": profile.accredited_until,
            "median_response_hours": profile.median_response_hours, "rating_count": profile.rating_count,
            "rating_mean": profile.rating_mean, "updated_at": profile.updated_at}
