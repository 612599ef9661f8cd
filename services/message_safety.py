"""What the safety detectors mean for a message being sent (services/safety holds the detectors).

A hit never blocks a message. Crisis language answers the sender at once with helplines for their
region, raises a high-severity alert in the moderation queue and pushes the on-call moderators, all
in the send transaction. Contact details early in a new relationship get a gentle warning for the
sender and a flag moderators can count. Text that reads like a medical instruction is labelled so
the app can remind readers it is experience, not advice. The text itself is never altered.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from models import Conversation, ConversationKind, Message, SafetyFlag, User, db
from services import moderation
from services.safety import advice, contact, crisis, resources

EARLY_MESSAGES = 20  # "the first messages" of a new connection or mentorship
ADVICE_LABEL = "experience_not_advice"
CONTACT_WARNING = ("Sharing phone numbers, emails or social accounts early on can put you at risk. "
                   "You can keep talking safely here; take your time before moving elsewhere.")


@dataclass
class Screening:
    crisis: crisis.CrisisAssessment
    contact_kinds: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


def screen(text: str) -> Screening:
    return Screening(crisis.assess(text), contact.find_contact_details(text), labels_for(text))


def labels_for(text: str) -> list[str]:
    return [ADVICE_LABEL] if advice.looks_like_medical_instruction(text) else []


def safety_answer(person: User, assessment: crisis.CrisisAssessment) -> dict | None:
    """`{crisis: true, resources: [...]}` for the person's region, or None."""
    if not assessment.crisis:
        return None
    return {"crisis": True, "resources": resources.crisis_resources(person.region,
                                                                    current_app.config.get("CRISIS_RESOURCES"))}


def screen_request_topic(person: User, request_id: str, topic: str | None) -> dict | None:
    """A support request's topic: same crisis answer and alert as a message. Returns the safety answer."""
    assessment = crisis.assess(topic or "")
    if assessment.crisis:
        moderation.raise_crisis_alert(target_type="support_request", target_id=request_id, person_id=person.id,
                                      categories=assessment.categories)
    return safety_answer(person, assessment)


def act_on_new_message(sender: User, conversation: Conversation, message: Message,
                       screening: Screening) -> tuple[dict | None, dict | None]:
    """Inside the send transaction: alert moderators, flag early contact details. Returns (safety, warning)."""
    if screening.crisis.crisis:
        moderation.raise_crisis_alert(target_type="message", target_id=message.id, person_id=sender.id,
                                      categories=screening.crisis.categories)
    warning = None
    early = conversation.kind == ConversationKind.DIRECT and message.seq <= EARLY_MESSAGES
    if screening.contact_kinds and early:
        db.session.add(SafetyFlag(kind="contact_details", user_id=sender.id, conversation_id=conversation.id,
                                  message_id=message.id, found=screening.contact_kinds))
        warning = {"contact_details": screening.contact_kinds, "message": CONTACT_WARNING}
    return safety_answer(sender, screening.crisis), warning
