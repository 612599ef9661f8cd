"""How a candidate is scored. Product owners: the weights are all here, and each factor is one
small function returning (points, reason). Reasons are read by patients: plain words.
Every factor uses only what the seeker may see of the candidate (services/policy.py, H2): a
number the seeker sees must not move with anything hidden from them, so there is no age factor
(birth years are their owners' alone) and no factor reads a `matches` or `private` condition.
"""
from __future__ import annotations

from dataclasses import dataclass, field

WEIGHTS = {
    "same_condition": 40,          # lives with the very condition you chose
    "same_condition_group": 18,    # a condition in the same group (e.g. another kind of diabetes)
    "shared_treatment": 8,         # per treatment in common, up to two
    "further_along": 15,           # mentors: diagnosed years before you (full points at 5+ years)
    "diagnosed_around_same_time": 8,  # peers: diagnosed within two years of you
    "shared_language_beyond_english": 5,
    "same_region": 8,
    "same_timezone": 3,
    "offers_support_type": 10,
    "has_availability": 3,
    "answers_quickly": 8,          # median first answer within a day
    "rating": 10,                  # full points at a 5.0 mean; counts only from MIN_RATINGS ratings
}
MIN_RATINGS = 3
LANGUAGE_NAMES = {
    "en": "English", "cy": "Welsh", "gd": "Scottish Gaelic", "pa": "Punjabi", "ur": "Urdu", "hi": "Hindi",
    "bn": "Bengali", "gu": "Gujarati", "pl": "Polish", "ar": "Arabic", "es": "Spanish", "fr": "French",
    "pt": "Portuguese", "ro": "Romanian", "tr": "Turkish", "so": "Somali", "it": "Italian", "de": "German",
}
SUPPORT_TYPE_WORDS = {"chat": "a chat", "mentoring": "mentoring", "group": "group sessions", "review": "reviews"}


@dataclass
class ConditionFacts:
    condition_id: str
    name: str
    parent_id: str | None
    parent_name: str | None
    diagnosed_year: int | None
    treatments: list[str] = field(default_factory=list)


@dataclass
class Person:
    """What scoring may use about someone; for candidates, only their public conditions and fields."""

    id: str
    languages: list[str]
    region: str | None
    timezone: str | None
    conditions: list[ConditionFacts]


@dataclass
class MentorFacts:
    support_types: list[str]
    availability: list[dict]
    median_response_hours: float | None
    rating_count: int
    rating_mean: float | None


Factor = tuple[float, str | None]


def condition_overlap(seeker: Person, candidate: Person, focus: set[str]) -> tuple[Factor, ConditionFacts | None,
                                                                                    ConditionFacts | None]:
    """The best shared condition among `focus` (the seeker's chosen ones): exact beats same group."""
    focus_facts = [c for c in seeker.conditions if c.condition_id in focus]
    best: tuple[Factor, ConditionFacts | None, ConditionFacts | None] = ((0, None), None, None)
    for mine in focus_facts:
        for theirs in candidate.conditions:
            if theirs.condition_id == mine.condition_id:
                return (WEIGHTS["same_condition"], f"Also lives with {theirs.name}"), mine, theirs
            group = _shared_group(mine, theirs)
            if group and best[0][0] == 0:
                reason = f"Lives with a condition in the same group ({group})"
                best = (WEIGHTS["same_condition_group"], reason), mine, theirs
    return best


def _shared_group(mine: ConditionFacts, theirs: ConditionFacts) -> str | None:
    """The name of the group both conditions belong to (either may be the group itself), if any."""
    if theirs.parent_id and theirs.parent_id in (mine.parent_id, mine.condition_id):
        return theirs.parent_name or "a related condition"
    if mine.parent_id and theirs.condition_id == mine.parent_id:
        return theirs.name
    return None


def shared_treatments(mine: ConditionFacts | None, theirs: ConditionFacts | None) -> Factor:
    if mine is None or theirs is None:
        return 0, None
    shared = sorted({t.lower() for t in mine.treatments} & {t.lower() for t in theirs.treatments})
    if not shared:
        return 0, None
    return WEIGHTS["shared_treatment"] * min(2, len(shared)), f"Also uses {' and '.join(shared[:2])}"


def diagnosis_timing(mine: ConditionFacts | None, theirs: ConditionFacts | None, kind: str) -> Factor:
    if mine is None or theirs is None or mine.diagnosed_year is None or theirs.diagnosed_year is None:
        return 0, None
    years_ahead = mine.diagnosed_year - theirs.diagnosed_year
    if kind == "mentor" and years_ahead >= 1:
        points = WEIGHTS["further_along"] * min(1.0, years_ahead / 5)
        unit = "year" if years_ahead == 1 else "years"
        return points, f"Diagnosed {years_ahead} {unit} before you"
    if kind == "peer" and abs(years_ahead) <= 2:
        return WEIGHTS["diagnosed_around_same_time"], "Diagnosed around the same time as you"
    return 0, None


def languages(seeker: Person, candidate: Person) -> Factor:
    shared = [lang for lang in candidate.languages if lang in seeker.languages and lang != "en"]
    if not shared:
        return 0, None
    return WEIGHTS["shared_language_beyond_english"], f"Speaks {LANGUAGE_NAMES.get(shared[0], shared[0])}"


def place(seeker: Person, candidate: Person) -> Factor:
    if seeker.region and seeker.region == candidate.region:
        return WEIGHTS["same_region"], "Lives in your region"
    if seeker.timezone and seeker.timezone == candidate.timezone:
        return WEIGHTS["same_timezone"], "In your time zone"
    return 0, None


def support_offered(mentor: MentorFacts | None, support_type: str | None) -> Factor:
    if mentor is None or not support_type or support_type not in mentor.support_types:
        return 0, None
    return WEIGHTS["offers_support_type"], f"Offers {SUPPORT_TYPE_WORDS.get(support_type, support_type)}"


def availability(mentor: MentorFacts | None) -> Factor:
    if mentor is None or not mentor.availability:
        return 0, None
    return WEIGHTS["has_availability"], "Has set regular times to talk"


def responsiveness(mentor: MentorFacts | None) -> Factor:
    if mentor is None or mentor.median_response_hours is None or mentor.median_response_hours > 24:
        return 0, None
    return WEIGHTS["answers_quickly"], "Usually answers within a day"


def rating(mentor: MentorFacts | None) -> Factor:
    if mentor is None or mentor.rating_count < MIN_RATINGS or mentor.rating_mean is None:
        return 0, None
    points = WEIGHTS["rating"] * max(0.0, (mentor.rating_mean - 1) / 4)
    return points, f"Rated {mentor.rating_mean:.1f} out of 5 by {mentor.rating_count} mentees"


def score(seeker: Person, candidate: Person, *, kind: str, focus: set[str], mentor: MentorFacts | None = None,
          support_type: str | None = None) -> tuple[float, list[str]]:
    """Total points and the reasons, strongest first. Zero condition overlap means no match."""
    overlap, mine, theirs = condition_overlap(seeker, candidate, focus)
    if overlap[0] == 0:
        return 0, []
    factors = [
        overlap, shared_treatments(mine, theirs), diagnosis_timing(mine, theirs, kind), languages(seeker, candidate),
        place(seeker, candidate), support_offered(mentor, support_type),
        availability(mentor), responsiveness(mentor), rating(mentor),
    ]
    total = sum(points for points, _ in factors)
    reasons = [reason for points, reason in sorted(factors, key=lambda f: -f[0]) if reason and points > 0]
    return round(total, 1), reasons
