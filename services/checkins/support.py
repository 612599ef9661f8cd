"""What a screen-positive PHQ-2 or GAD-2 answers with (docs/safety.md, "Check-ins").

Always: a plain message, the helplines for the person's region and up to three published guides
from the resource library (about low mood or anxiety, and the person's own conditions). Only with their consent (the
setting `check_ins.offer_support`, or `offer_support: true` on this one answer): the best mentors
and a couple of open circles for their conditions. Moderators are not alerted: a positive screen is
not crisis language, and people answer these questionnaires in confidence.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from models import Condition, User, db
from services import resources
from services.groups import suggest_groups
from services.matching import find_matches
from services.safety.resources import crisis_resources

MENTORS_OFFERED = 3
CIRCLES_OFFERED = 2
GUIDES_OFFERED = 3
# The condition (taxonomy slug) each screen is about, for guides from the resource library.
SCREENED_CONDITION = {"phq2": "depression", "gad2": "anxiety"}

MESSAGES = {
    "phq2": "Your answers suggest you have often felt down or lost interest in things over the last two weeks. "
            "This is not a diagnosis, but it is worth talking to your GP or another health professional. "
            "If you feel you might harm yourself or are in danger, contact one of these now.",
    "gad2": "Your answers suggest you have often felt anxious or unable to stop worrying over the last two weeks. "
            "This is not a diagnosis, but it is worth talking to your GP or another health professional. "
            "If you feel overwhelmed or in danger, contact one of these now.",
}


def safety_answer(person: User, instrument: str) -> dict:
    """`{screen_positive: true, message, resources, library}`: helplines for the person's region, and guides."""
    return {"screen_positive": True, "message": MESSAGES[instrument],
            "resources": crisis_resources(person.region, current_app.config.get("CRISIS_RESOURCES")),
            "library": _guides(person, instrument)}


def _guides(person: User, instrument: str) -> list:
    """Published guides about what was screened for first, then about the person's own conditions."""
    screened = set(db.session.scalars(select(Condition.id).where(Condition.slug == SCREENED_CONDITION[instrument])))
    found = resources.suggest_for(screened, limit=GUIDES_OFFERED)
    own = {uc.condition_id for uc in person.conditions} - screened
    if own and len(found) < GUIDES_OFFERED:
        seen = {g.id for g in found}
        found += [g for g in resources.suggest_for(own, limit=GUIDES_OFFERED) if g.id not in seen]
    return found[:GUIDES_OFFERED]


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
