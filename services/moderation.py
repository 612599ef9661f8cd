"""Reports and the moderation queue: severity first, then age; every staff action audited."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, true

from models import (
    GroupMembership, Message, Report, ReportStatus, Role, SafetyFlag, Severity, User, UserRole, db, utcnow,
)
from services import accounts, alerts, audit, groups, notifications, policy, profiles, realtime
from services.conversations import access_conversation
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows

REASON_SEVERITY = {"risk_to_self": Severity.HIGH, "harassment": Severity.NORMAL,
                   "medical_misinformation": Severity.NORMAL, "spam": Severity.LOW, "other": Severity.NORMAL}
CONTEXT_MESSAGES = 3  # on each side of a reported message


def report(reporter: User, *, target_type: str, target_id: str, reason: str, details: str | None = None) -> Report:
    """File a report on something the reporter can see; anything else is 404, like a missing target."""
    target_user_id = _check_visible(reporter, target_type, target_id)
    filed = Report(reporter_id=reporter.id, target_type=target_type, target_id=target_id,
                   target_user_id=target_user_id, reason=reason, details=details,
                   severity=REASON_SEVERITY.get(reason, Severity.NORMAL))
    db.session.add(filed)
    db.session.flush()
    if filed.severity == Severity.HIGH:
        _alert_on_call(filed)
    db.session.commit()
    return filed


def raise_crisis_alert(*, target_type: str, target_id: str, person_id: str, categories: tuple[str, ...]) -> Report:
    """Called inside the transaction that saves the text: a high-severity alert, on-call moderators pushed."""
    already = db.session.scalar(select(Report).where(
        Report.source == "crisis_detector", Report.target_type == target_type, Report.target_id == target_id,
        Report.status == ReportStatus.OPEN))
    if already is not None:  # one open alert per thing written: editing it again does not page anyone twice
        return already
    alert = Report(reporter_id=None, source="crisis_detector", target_type=target_type, target_id=target_id,
                   target_user_id=person_id, reason="risk_to_self", details=",".join(categories),
                   severity=Severity.HIGH)
    db.session.add(alert)
    db.session.flush()
    _alert_on_call(alert)
    return alert


def queue(moderator: User, *, status: str | None = "open", limit: int = 20, cursor: str | None = None) -> Page[Report]:
    """The queue: most severe first, then oldest first. No reported content here (reading it is audited)."""
    _require_staff(moderator)
    stmt = select(Report).order_by(Report.severity.desc(), Report.created_at, Report.id)
    stmt = stmt.where(policy.reports_in_scope(moderator))  # R1: by or about people in their scope
    if status:
        stmt = stmt.where(Report.status == status)
    offset = decode_cursor("reports", cursor) or 0
    rows = list(db.session.scalars(stmt.offset(offset).limit(limit + 1)))
    return page_from_rows(rows, limit=limit, purpose="reports", position_of=lambda _: offset + limit)


@dataclass
class ReportView:
    report: Report
    context: list[Message]  # the reported message with a few around it; empty for other targets

    def __getattr__(self, name):
        return getattr(self.report, name)


def read_report(moderator: User, report_id: str) -> ReportView:
    """A report with the reported content in context; the read itself is audited."""
    _require_staff(moderator)
    found = _get(moderator, report_id)
    audit.record(moderator.id, "report.read", target_type="report", target_id=found.id)
    db.session.commit()
    return ReportView(found, _context(moderator, found))


def resolve(moderator: User, report_id: str, *, action: str, note: str | None = None,
            real_crisis: bool | None = None, concern_reviewed: bool | None = None) -> Report:
    """Act on a report: dismiss, remove_content, warn, suspend_user or unsuspend. Audited.

    `real_crisis` / `concern_reviewed`: the moderator's label for a detector's alert (services/alerts.py)."""
    _require_staff(moderator)
    found = _get(moderator, report_id)
    if found.status == ReportStatus.RESOLVED:
        raise ConflictError("This report is already resolved.")
    if action != "dismiss" and not policy.may_act_on_reported_person(moderator, found):
        # A report is in scope by its reporter too, but acting on a person needs that person in scope:
        # otherwise a moderator could report anyone on the network and then suspend them.
        raise PermissionDeniedError("Only a moderator of the reported person's programme can act on them; "
                                    "you can dismiss this report.")
    _ACTIONS[action](moderator, found, note)
    found.status, found.action, found.resolution_note = ReportStatus.RESOLVED, action, note
    found.resolved_by, found.resolved_at = moderator.id, utcnow()
    alerts.acknowledge_on_resolution(moderator, found, real_crisis=real_crisis, concern_reviewed=concern_reviewed)
    audit.record(moderator.id, f"report.{action}", target_type=found.target_type, target_id=found.target_id,
                 reason=note, report_id=found.id)
    db.session.commit()
    if action == "suspend_user" and found.target_user_id:
        realtime.disconnect_user(found.target_user_id)
    return found


def open_report_counts(moderator: User) -> dict[int, int]:
    """How many open reports wait at each severity (every level present, zero included): the console's dashboard."""
    _require_staff(moderator)
    stmt = select(Report.severity, func.count()).where(Report.status == ReportStatus.OPEN)
    stmt = stmt.where(policy.reports_in_scope(moderator))  # the same reports the queue shows them
    counts = dict(db.session.execute(stmt.group_by(Report.severity)).all())
    return {int(level): counts.get(level, 0) for level in sorted(Severity, reverse=True)}


def display_names(moderator: User, user_ids: set[str]) -> dict[str, str]:
    """Names of the people a report involves, for staff reading it (erased accounts included, as stored)."""
    _require_staff(moderator)
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())


@dataclass
class FlagCount:
    user_id: str
    display_name: str
    count: int
    conversations: int
    last_at: object


def contact_flag_counts(moderator: User, *, limit: int = 50) -> list[FlagCount]:
    """Who shares contact details early in new relationships, most often first (a grooming signal)."""
    _require_staff(moderator)
    scope = policy.members_in_scope(moderator)
    rows = db.session.execute(
        select(SafetyFlag.user_id, User.display_name, func.count(), func.count(SafetyFlag.conversation_id.distinct()),
               func.max(SafetyFlag.created_at))
        .join(User, User.id == SafetyFlag.user_id).where(SafetyFlag.kind == "contact_details")
        .where(true() if scope is None else SafetyFlag.user_id.in_(scope))
        .group_by(SafetyFlag.user_id, User.display_name)
        .order_by(func.count().desc(), func.max(SafetyFlag.created_at).desc()).limit(limit))
    return [FlagCount(*row) for row in rows]


def _dismiss(moderator: User, found: Report, note: str | None) -> None:
    return None


def _remove_content(moderator: User, found: Report, note: str | None) -> None:
    if found.target_type != "message":
        raise InvalidInputError("action", "Only a message can be removed; suspend the user or dismiss instead.")
    from services import messages  # noqa: PLC0415 - messages imports moderation for crisis alerts

    message = db.session.get(Message, found.target_id)
    if message is not None and not message.deleted:
        messages.remove_message(message)
        notifications.notify(db.session.get(User, message.sender_id), "content_removed",
                             {"message_id": message.id, "reason": found.reason}, push=False)


def _warn(moderator: User, found: Report, note: str | None) -> None:
    person = _target_person(found)
    notifications.notify(person, "moderation_warning", {"report_id": found.id, "reason": found.reason})


def _suspend(moderator: User, found: Report, note: str | None) -> None:
    person = _target_person(found)
    if person.has_role(Role.ADMIN) or person.has_role(Role.MODERATOR):
        raise PermissionDeniedError("Staff accounts are suspended by an admin outside the queue.")
    suspend(person)


def _unsuspend(moderator: User, found: Report, note: str | None) -> None:
    _target_person(found).suspended_at = None


def suspend(person: User) -> None:
    """Sessions revoked at once, matching and circles drop them, login refused until unsuspended."""
    person.suspended_at = utcnow()
    accounts.revoke_all_sessions(person.id, reason="suspended")
    for membership in db.session.scalars(select(GroupMembership).where(GroupMembership.user_id == person.id)):
        groups.remove_membership(membership)


_ACTIONS = {"dismiss": _dismiss, "remove_content": _remove_content, "warn": _warn,
            "suspend_user": _suspend, "unsuspend": _unsuspend}


def _target_person(found: Report) -> User:
    person = db.session.get(User, found.target_user_id) if found.target_user_id else None
    if person is None or person.erased_at is not None:
        raise InvalidInputError("action", "This report has no person to act on.")
    return person


def _check_visible(reporter: User, target_type: str, target_id: str) -> str | None:
    """Return the person responsible for the target, if the reporter can see it."""
    if target_type == "message":
        message = db.session.get(Message, target_id)
        if message is None:
            raise NotFoundError("Message not found.")
        try:
            access_conversation(reporter, message.conversation_id)
        except NotFoundError:
            raise NotFoundError("Message not found.") from None
        return message.sender_id
    if target_type == "user":
        if target_id == reporter.id:
            raise InvalidInputError("target_id", "You cannot report yourself.")
        return profiles.access_user(reporter, target_id).id
    group = groups.access_group(reporter, target_id)
    return group.created_by


def _context(moderator: User, found: Report) -> list[Message]:
    if found.target_type != "message":
        return []
    message = db.session.get(Message, found.target_id)
    if message is None:
        return []
    return list(db.session.scalars(select(Message).where(
        Message.conversation_id == message.conversation_id,
        Message.seq.between(message.seq - CONTEXT_MESSAGES, message.seq + CONTEXT_MESSAGES),
        policy.report_context_visible(moderator, message)).order_by(Message.seq)))


def _alert_on_call(alert: Report) -> None:
    """Push every on-call moderator (settings.moderation.on_call), or every moderator if none is on call;
    an organisation's moderators only for alerts about its members (they could not open the others)."""
    moderators = [m for m in db.session.scalars(select(User).join(UserRole).where(
        UserRole.role.in_([Role.MODERATOR, Role.ADMIN]), User.suspended_at.is_(None), User.erased_at.is_(None)))
        if _in_scope(m, alert)]
    on_call = [m for m in moderators if (m.settings or {}).get("moderation", {}).get("on_call")] or moderators
    for moderator in on_call:
        notifications.notify(moderator, "crisis_alert" if alert.severity == Severity.HIGH else "report",
                             {"report_id": alert.id})


def _get(moderator: User, report_id: str) -> Report:
    found = db.session.get(Report, report_id)
    if found is None or not _in_scope(moderator, found):
        raise NotFoundError("Report not found.")
    return found


def _in_scope(moderator: User, found: Report) -> bool:
    """A report is an organisation moderator's when its target person or its reporter is a member."""
    return policy.report_in_scope(moderator, found)


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise PermissionDeniedError("Only moderators can do this.")

