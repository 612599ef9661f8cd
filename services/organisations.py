"""Programmes: organisations that run peer support on the shared network, their moderators and referral codes."""
from __future__ import annotations

from sqlalchemy import Select, exists, select

from models import MembershipRole, OrganisationMember, Role, User, db


def is_global_staff(staff: User) -> bool:
    """Admins, and moderators who moderate no organisation: they see everyone."""
    if staff.has_role(Role.ADMIN):
        return True
    if not staff.has_role(Role.MODERATOR):
        return False
    return not db.session.scalar(select(exists().where(
        OrganisationMember.user_id == staff.id, OrganisationMember.role == MembershipRole.MODERATOR)))


def members_in_scope(staff: User) -> Select | None:
    """Whom a staff member may look after: None means everyone; otherwise a SELECT of user ids.

    The ids are the members (any role) of the organisations where `staff` is a moderator; for
    someone who is not staff at all that is usually nothing. Use it as `column.in_(scope)`.
    """
    if is_global_staff(staff):
        return None
    moderated = select(OrganisationMember.organisation_id).where(
        OrganisationMember.user_id == staff.id, OrganisationMember.role == MembershipRole.MODERATOR)
    return select(OrganisationMember.user_id).where(OrganisationMember.organisation_id.in_(moderated))
