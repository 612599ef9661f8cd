"""Profiles: what a person says about themselves, and what others may see of it."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timezone

from models import User, UserCondition, db
from services import organisations, policy
from services import conditions as condition_service
from services import free_text
from services.errors import InvalidInputError, NotFoundError


def access_user(viewer: User, user_id: str) -> User:
    """Return the person if `viewer` may see them; otherwise act as if they don't exist."""
    user = db.session.get(User, user_id)
    if user is None or not policy.may_see_person(viewer, user):
        raise NotFoundError("User not found.")
    return user


def update_profile(user: User, **changes) -> User:
    """Apply the fields the owner sent; `settings` merges into what is stored."""
    settings = changes.pop("settings", None)
    if changes.get("matching_scope") == "programme" and not organisations.organisation_ids(user.id):
        raise InvalidInputError("matching_scope", "Join a programme (POST /me/referrals) before limiting matching to it.")
    written = [value for field, value in changes.items() if field in SCREENED_FIELDS and value != getattr(user, field)]
    for field, value in changes.items():
        setattr(user, field, value)
    if settings is not None:
        user.settings = _merged(user.settings, settings)
    safety = free_text.screen_fields(user, source="profile", source_id=user.id, texts=written)
    db.session.commit()
    return free_text.with_safety(user, safety)


SCREENED_FIELDS = ("display_name", "bio")  # free text a person writes about themselves (only what changed)


def replace_conditions(user: User, items: list[dict]) -> User:
    """Set the conditions the person lives with, each with its own visibility."""
    _check_conditions(user, items)
    existing = {uc.condition_id: uc for uc in user.conditions}
    user.conditions = [
        _updated(existing.get(item["condition_id"]) or UserCondition(condition_id=item["condition_id"]), item)
        for item in items
    ]
    db.session.commit()
    return user


def _updated(row: UserCondition, item: dict) -> UserCondition:
    row.diagnosed_year = item.get("diagnosed_year")
    row.treatments = item.get("treatments") or []
    row.visibility = item["visibility"]
    return row


@dataclass
class PublicProfile:
    """A person as one viewer sees them: the user, with only the conditions that viewer may see."""

    user: User
    conditions: list[UserCondition]

    def __getattr__(self, name):
        return getattr(self.user, name)


def public_profile(viewer: User, user_id: str) -> PublicProfile:
    user = access_user(viewer, user_id)
    return PublicProfile(user, conditions_visible_to(viewer, user))


def conditions_visible_to(viewer: User, owner: User) -> list[UserCondition]:
    """The owner's conditions that `viewer` may see (services/policy.py, H1)."""
    return policy.conditions_visible_to(viewer, owner)


def _check_conditions(user: User, items: list[dict]) -> None:
    ids = [item["condition_id"] for item in items]
    if len(ids) != len(set(ids)):
        raise InvalidInputError("conditions", "Each condition may be listed only once.")
    unknown = set(ids) - condition_service.existing_condition_ids(set(ids))
    if unknown:
        raise InvalidInputError("condition_id", f"Unknown condition: {sorted(unknown)[0]}.")
    this_year = datetime.now(timezone.utc).year
    for item in items:
        year = item.get("diagnosed_year")
        if year is not None and not ((user.birth_year or 1900) <= year <= this_year):
            raise InvalidInputError("diagnosed_year", "The diagnosis year must fall between your birth year and now.")


def _merged(stored: dict, changes: dict) -> dict:
    result = copy.deepcopy(stored or {})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result
