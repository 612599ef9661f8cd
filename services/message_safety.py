"""What the safety detectors mean for a message being sent (services/safety holds the detectors).

A hit never blocks a message. Crisis language answers the sender at once with helplines for their
region, raises a high-severity alert in the moderation queue and pushes the on-call moderators, all
in the send transaction. Contact details early in a new relationship get a gentle warning for the
sender and a flag moderators can count. Text that reads like a medical instruction is labelled so
the app can remind readers it is experience, not advice. The text itself is never altered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, select

from models import ConversationKind, Message, Report, SafetyFlag, Severity, User, db, utcnow
from services import moderation, notifications
from services.safety import engine, resources

CONTEXT_MESSAGES = 3  # the sender's previous messages scored together with a new one
CONTEXT_WINDOW = timedelta(minutes=30)
EARLY_MESSAGES = 20  # "the first messages" of a new connection or mentorship
ADVICE_LABEL = "experience_not_advice"
CONTACT_WARNING = ("Sharing phone numbers, emails or social accounts early on can put you at risk. "
                   "You can keep talking safely here; take your time before moving elsewhere.")
CONCERN_SOURCE = "concern_detector"
CHECK_IN_NOTIFICATION = "safety_check_in"
CHECK_IN_TEXT = ("Just checking in: something you wrote sounded like things might be hard right now. "
                 "If you want to talk to someone, these people are there any time. You are not a bother.")


@dataclass
class Screening:
    verdict: engine.Verdict
    contact_kinds: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    @property
    def crisis(self) -> engine.Verdict:  # kept for callers that read `screening.crisis.crisis`
        return self.verdict


def screen(text: str, context: tuple[str, ...] = ()) -> Screening:
    """`context`: the sender's recent messages in the conversation, oldest first (see recent_context)."""
    return Screening(engine.assess(text, context), engine.contact_kinds(text), labels_for(text))


@cache
def _recent_context_query():
    return select(Message.body).where(
        Message.conversation_id == bindparam("conversation_id"), Message.sender_id == bindparam("sender_id"),
        Message.deleted_at.is_(None), Message.created_at >= bindparam("since"),
    ).order_by(Message.seq.desc()).limit(CONTEXT_MESSAGES)


def recent_context(conversation_id: str, sender_id: str) -> tuple[str, ...]:
    """The sender's last few messages in this conversation within CONTEXT_WINDOW, oldest first."""
    rows = db.session.connection().scalars(_recent_context_query(), {
        "conversation_id": conversation_id, "sender_id": sender_id, "since": utcnow() - CONTEXT_WINDOW})
    return tuple(reversed([body for body in rows if body]))


def labels_for(text: str) -> list[str]:
    return [ADVICE_LABEL] if engine.is_advice(text) else []


def safety_answer(person: User, assessment) -> dict | None:
    """`{crisis: true, resources: [...]}` for the person's region, or None (no alert raised here)."""
    if not assessment.crisis:
        return None
    return {"crisis": True, "resources": resources.crisis_resources(person.region,
                                                                    current_app.config.get("CRISIS_RESOURCES"))}


def screen_free_text(author: User, *, source: str, source_id: str, text: str | None,
                     context: tuple[str, ...] = ()) -> dict | None:
    """Screen any free text a person writes (a note, a request, profile text, a description...).

    Call it inside the transaction that saves the text, after the row has its id. `source` names
    the kind of thing (at most 16 characters, e.g. "connection", "mentorship", "profile", "group",
    "group_post", "resource", "check_in", "support_request"); it becomes the moderation item's
    target_type. Returns the `safety` answer for the response, or None:
    crisis  -> `{crisis: true, resources}`, a high-severity alert, on-call moderators pushed;
    concern -> `{crisis: false, concern: true, resources}`, a gentle private check-in in the
               writer's inbox and a normal-priority item in the moderators' queue.
    """
    if len(source) > 16:
        raise ValueError(f"source {source!r} is longer than a report's target_type (16)")
    verdict = engine.assess(text or "", context)
    return act_on_verdict(author, verdict, target_type=source, target_id=source_id)


def screen_request_topic(person: User, request_id: str, topic: str | None) -> dict | None:
    """A support request's topic: same crisis answer and alert as a message. Returns the safety answer."""
    return screen_free_text(person, source="support_request", source_id=request_id, text=topic)


def act_on_verdict(author: User, verdict: engine.Verdict, *, target_type: str, target_id: str) -> dict | None:
    """Raise what a verdict calls for and return the `safety` answer (None when there is nothing)."""
    if verdict.tier is None:
        return None
    helplines = resources.crisis_resources(author.region, current_app.config.get("CRISIS_RESOURCES"))
    if verdict.crisis:
        moderation.raise_crisis_alert(target_type=target_type, target_id=target_id, person_id=author.id,
                                      categories=verdict.categories)
        return with_staffing(author, {"crisis": True, "resources": helplines})
    _raise_concern(author, verdict, target_type=target_type, target_id=target_id, helplines=helplines)
    return {"crisis": False, "concern": True, "resources": helplines}


def with_staffing(author: User, answer: dict) -> dict:
    """Staffed hours (services/staffed_hours.py): a crisis answer says whether a moderator may read it
    soon; outside staffed hours, with nobody on call, `staffed: false` and a message say so."""
    from services import staffed_hours  # noqa: PLC0415 - the staffed-hours part stays in this one function

    return answer | staffed_hours.notice(author)


def _raise_concern(author: User, verdict: engine.Verdict, *, target_type: str, target_id: str,
                   helplines: list[dict]) -> None:
    """A normal-priority queue item (no push: it can wait for the next look at the queue) and a
    private check-in in the writer's own inbox, never pushed to a lock screen; both at most once per
    person in CONCERN_CHECK_IN_HOURS, since most concerns on ordinary chat are false (docs/safety.md)."""
    if _concern_raised_recently(author):
        return
    db.session.add(Report(reporter_id=None, source=CONCERN_SOURCE, target_type=target_type, target_id=target_id,
                          target_user_id=author.id, reason="risk_to_self",
                          details=",".join(verdict.categories) or None, severity=Severity.NORMAL))
    notifications.notify(author, CHECK_IN_NOTIFICATION, {"message": CHECK_IN_TEXT, "resources": helplines},
                         push=False)


def _concern_raised_recently(author: User) -> bool:
    since = utcnow() - timedelta(hours=current_app.config["CONCERN_CHECK_IN_HOURS"])
    return db.session.scalar(select(Report.id).where(
        Report.target_user_id == author.id, Report.source == CONCERN_SOURCE, Report.created_at >= since).limit(1)) \
        is not None


def act_on_new_message(sender: User, conversation_kind: str, message, screening: Screening
                       ) -> tuple[dict | None, dict | None]:
    """Inside the send transaction: alert moderators, flag early contact details. Returns (safety, warning).
    `message`: the new message's id, conversation_id and seq."""
    safety = act_on_verdict(sender, screening.verdict, target_type="message", target_id=message.id)
    warning = None
    early = conversation_kind == ConversationKind.DIRECT and message.seq <= EARLY_MESSAGES
    if screening.contact_kinds and early:
        db.session.add(SafetyFlag(kind="contact_details", user_id=sender.id, conversation_id=message.conversation_id,
                                  message_id=message.id, found=screening.contact_kinds))
        warning = {"contact_details": screening.contact_kinds, "message": CONTACT_WARNING}
    return safety, warning
