"""What a screen-positive PHQ-2 or GAD-2 answers with (docs/safety.md, "Check-ins").

Always: a plain message and the helplines for the person's region. Only with their consent (the
setting `check_ins.offer_support`, or `offer_support: true` on this one answer): the best mentors
and a couple of open circles for their conditions. Moderators are not alerted: a positive screen is
not crisis language, and people answer these questionnaires in confidence.
"""
from __future__ import annotations

from flask import current_app

from models import User
from services.groups import suggest_groups
from services.matching import find_matches
from services.safety.resources import crisis_resources

MENTORS_OFFERED = 3
CIRCLES_OFFERED = 2

MESSAGES = {
    "phq2": "Your answers suggest you have often felt down or lost interest in things over the last two weeks. "
            "This is not a diagnosis, but it is worth talking to your GP or another health professional. "
            "If you feel you might harm yourself or are in danger, contact one of these now.",
    "gad2": "Your answers suggest you have often felt anxious or unable to stop worrying over the last two weeks. "
            "This is not a diagnosis, but it is worth talking to your GP or another health professional. "
            "If you feel overwhelmed or in danger, contact one of these now.",
}


def safety_answer(person: User, instrument: str) -> dict:
    """`{screen_positive: true, message, resources}`: helplines for the person's region."""
    return {"screen_positive": True, "message": MESSAGES[instrument],
            "resources": crisis_resources(person.region, current_app.config.get("CRISIS_RESOURCES"))}


def wants_offer(person: User, offer_support: bool | None) -> bool:
    """An explicit answer on this check-in wins; otherwise the person's standing setting (off by default)."""
    if offer_support is not None:
        return offer_support
    return bool(((person.settings or {}).get("check_ins") or {}).get("offer_support", False))


def support_offer(person: User) -> dict:
    """The best mentors and a couple of open circles for the person's own conditions."""
    conditions = {uc.condition_id for uc in person.conditions}
    return {"mentors": find_matches(person, kind="mentor", limit=MENTORS_OFFERED),
            "circles": suggest_groups(person, conditions, limit=CIRCLES_OFFERED)}
