"""Programmes: organisations that run peer support on the shared network, their moderators and referral codes."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from models import MembershipRole, Organisation, OrganisationMember, ReferralCode, Role, User, UserRole, db, utcnow
from services import audit, policy
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows


# The staff scope rules live in services/policy.py (the one access policy); these names stay for callers.
is_global_staff = policy.is_global_staff
members_in_scope = policy.members_in_scope
covers = policy.covers
_moderates_any = policy.moderates_any


# Referral codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), read out
# over the phone as three groups (KQ7M-3XPD-9T): 30^10 ≈ 2^49 codes, so guessing one at the rate
# limit of POST /me/referrals would take far longer than any code lives.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
CODE_GROUPS = (4, 4, 2)
PREFIX_LENGTH = 4
_NOT_VALID = "This code is not valid. Check it with whoever gave it to you."


@dataclass
class OrganisationView:
    """An organisation as one person sees it: their own role in it, and (for its staff) who moderates it."""

    organisation: Organisation
    role: str | None
    member_count: int | None = None
    moderators: list[User] | None = None
    joined_at: datetime | None = None

    def __getattr__(self, name):
        return getattr(self.organisation, name)


@dataclass
class CodeView:
    """A referral code as its organisation's staff see it; `code` is there only at the moment it is issued,
    the one time its text exists anywhere but with the person who hands it on."""

    referral_code: ReferralCode
    code: str | None = None

    @property
    def uses_left(self) -> int | None:
        return uses_left(self.referral_code)

    @property
    def status(self) -> str:
        return code_status(self.referral_code)

    def __getattr__(self, name):
        return getattr(self.referral_code, name)


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    groups, start = [], 0
    for size in CODE_GROUPS:
        groups.append(raw[start:start + size])
        start += size
    return "-".join(groups)


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces, dashes or other separators."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def hash_code(text: str) -> str:
    return hashlib.sha256(normalise_code(text).encode()).hexdigest()


def uses_left(code: ReferralCode) -> int | None:
    return None if code.max_uses is None else max(0, code.max_uses - code.use_count)


def code_status(code: ReferralCode) -> str:
    if code.revoked_at is not None:
        return "revoked"
    if code.expires_at is not None and code.expires_at <= utcnow():
        return "expired"
    if uses_left(code) == 0:
        return "used_up"
    return "active"


# Organisations

def list_organisations(user: User, *, everything: bool = False) -> list[OrganisationView]:
    """The programmes `user` belongs to; with `everything`, global staff see every organisation."""
    if everything and not is_global_staff(user):
        raise PermissionDeniedError("Only admins and network-wide moderators can list every organisation.")
    roles = dict(db.session.execute(select(OrganisationMember.organisation_id, OrganisationMember.role)
                                    .where(OrganisationMember.user_id == user.id)).all())
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)
    if not everything:
        stmt = stmt.where(Organisation.id.in_(list(roles)))
    return [OrganisationView(org, roles.get(org.id)) for org in db.session.scalars(stmt)]


def create_organisation(admin: User, *, name: str, kind: str) -> OrganisationView:
    """Admins: a new organisation on the network. Names are unique regardless of case."""
    _require_admin(admin)
    name = " ".join(name.split())
    taken = db.session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower()))
    if taken:
        raise ConflictError("An organisation with this name already exists.")
    organisation = Organisation(name=name, kind=kind, created_by=admin.id)
    db.session.add(organisation)
    try:
        db.session.flush()
    except IntegrityError:  # created by someone else between the check and the insert
        db.session.rollback()
        raise ConflictError("An organisation with this name already exists.") from None
    audit.record(admin.id, "organisation.created", target_type="organisation", target_id=organisation.id)
    db.session.commit()
    return OrganisationView(organisation, None, member_count=0, moderators=[])


def get_organisation(user: User, organisation_id: str) -> OrganisationView:
    """Its members see it and their role; its staff also see how many members it has and its moderators."""
    organisation, membership = _visible(user, organisation_id)
    view = OrganisationView(organisation, membership.role if membership else None,
                            joined_at=membership.joined_at if membership else None)
    if _is_staff_of(user, organisation.id):
        view.member_count = db.session.scalar(select(func.count()).select_from(OrganisationMember)
                                              .where(OrganisationMember.organisation_id == organisation.id))
        view.moderators = list(db.session.scalars(
            select(User).join(OrganisationMember, OrganisationMember.user_id == User.id)
            .where(OrganisationMember.organisation_id == organisation.id,
                   OrganisationMember.role == MembershipRole.MODERATOR).order_by(User.display_name, User.id)))
    return view


@dataclass
class MemberView:
    user: User
    role: str
    joined_at: datetime


def list_members(staff: User, organisation_id: str, *, limit: int = 20,
                 cursor: str | None = None) -> Page[MemberView]:
    """The organisation's staff: its members and moderators, earliest first."""
    organisation = _require_staff_of(staff, organisation_id)
    after = decode_cursor("organisation_members", cursor) or 0
    rows = [MemberView(user, membership.role, membership.joined_at) for membership, user in db.session.execute(
        select(OrganisationMember, User).join(User, User.id == OrganisationMember.user_id)
        .where(OrganisationMember.organisation_id == organisation.id)
        .order_by(OrganisationMember.joined_at, OrganisationMember.user_id).offset(after).limit(limit + 1))]
    return page_from_rows(rows, limit=limit, purpose="organisation_members", position_of=lambda _: after + limit)


def add_moderator(admin: User, organisation_id: str, user_id: str) -> MemberView:
    """Admins: make someone with the moderator role a moderator of this organisation (and so scoped to it)."""
    _require_admin(admin)
    organisation = _get(organisation_id)
    person = db.session.get(User, user_id)
    if person is None or not person.is_active:
        raise NotFoundError("User not found.")
    if not person.has_role(Role.MODERATOR):
        raise InvalidInputError("user_id", "Only someone with the moderator role can moderate an organisation.")
    membership = _membership(person.id, organisation.id) or OrganisationMember(
        organisation_id=organisation.id, user_id=person.id)
    membership.role = MembershipRole.MODERATOR
    db.session.add(membership)
    audit.record(admin.id, "organisation.moderator_added", target_type="user", target_id=person.id,
                 organisation_id=organisation.id)
    db.session.commit()
    return MemberView(person, membership.role, membership.joined_at)


def remove_moderator(admin: User, organisation_id: str, user_id: str) -> None:
    """Admins: a moderator stops moderating it; one who joined with a referral code stays a member."""
    _require_admin(admin)
    organisation = _get(organisation_id)
    membership = _membership(user_id, organisation.id)
    if membership is None or membership.role != MembershipRole.MODERATOR:
        raise NotFoundError("This person does not moderate this organisation.")
    if membership.referral_code_id is not None:
        membership.role = MembershipRole.MEMBER
    else:
        db.session.delete(membership)
    db.session.flush()
    audit.record(admin.id, "organisation.moderator_removed", target_type="user", target_id=user_id,
                 organisation_id=organisation.id)
    if not _moderates_any(user_id):
        # A moderator of no organisation is network-wide: losing the last one must not widen their scope.
        db.session.execute(delete(UserRole).where(UserRole.user_id == user_id, UserRole.role == Role.MODERATOR))
        audit.record(admin.id, "user.role_removed", target_type="user", target_id=user_id, role=Role.MODERATOR)
    db.session.commit()


# Referral codes

def create_referral_code(staff: User, organisation_id: str, *, uses: int | None = 1,
                         expires_at: datetime | None = None) -> CodeView:
    """The organisation's staff: a code for one person (or `uses` people; None: any number until it expires)."""
    organisation = _require_staff_of(staff, organisation_id)
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidInputError("expires_at", "The expiry must be in the future.")
    code = new_code()
    row = ReferralCode(organisation_id=organisation.id, code_hash=hash_code(code),
                       code_prefix=normalise_code(code)[:PREFIX_LENGTH], max_uses=uses, use_count=0,
                       expires_at=expires_at, created_by=staff.id)
    db.session.add(row)
    db.session.flush()
    audit.record(staff.id, "referral_code.created", target_type="referral_code", target_id=row.id,
                 organisation_id=organisation.id)
    db.session.commit()
    return CodeView(row, code)


def list_referral_codes(staff: User, organisation_id: str, *, limit: int = 20,
                        cursor: str | None = None) -> Page[CodeView]:
    """The organisation's staff: its codes, newest first (prefix and state only; the codes are not kept)."""
    organisation = _require_staff_of(staff, organisation_id)
    after = decode_cursor("referral_codes", cursor) or 0
    rows = [CodeView(row) for row in db.session.scalars(
        select(ReferralCode).where(ReferralCode.organisation_id == organisation.id)
        .order_by(ReferralCode.created_at.desc(), ReferralCode.id).offset(after).limit(limit + 1))]
    return page_from_rows(rows, limit=limit, purpose="referral_codes", position_of=lambda _: after + limit)


def revoke_referral_code(staff: User, organisation_id: str, code_id: str) -> CodeView:
    """The organisation's staff: nobody else can join with this code. Revoking twice changes nothing."""
    organisation = _require_staff_of(staff, organisation_id)
    row = db.session.get(ReferralCode, code_id)
    if row is None or row.organisation_id != organisation.id:
        raise NotFoundError("Referral code not found.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(staff.id, "referral_code.revoked", target_type="referral_code", target_id=row.id,
                     organisation_id=organisation.id)
        db.session.commit()
    return CodeView(row)


def redeem(user: User, code: str) -> OrganisationView:
    """Join the organisation behind `code`. Unknown, expired, revoked and used-up codes get one and the
    same answer, so a guesser learns nothing; a second redemption by a member changes nothing."""
    row = db.session.scalar(select(ReferralCode).where(ReferralCode.code_hash == hash_code(code)))
    if row is None:
        raise NotFoundError(_NOT_VALID)
    existing = _membership(user.id, row.organisation_id)
    if existing is not None:
        return _joined_view(existing)
    if not _take_one_use(row.id):
        raise NotFoundError(_NOT_VALID)
    membership = OrganisationMember(organisation_id=row.organisation_id, user_id=user.id,
                                    role=MembershipRole.MEMBER, referral_code_id=row.id)
    db.session.add(membership)
    try:
        db.session.commit()
    except IntegrityError:  # the same person redeeming twice at once: their other request joined them
        db.session.rollback()
        return _joined_view(_membership(user.id, row.organisation_id))
    return _joined_view(membership)


def _take_one_use(code_id: str) -> bool:
    """One conditional UPDATE: of two people taking the last use at once, exactly one gets it."""
    now = utcnow()
    taken = db.session.execute(update(ReferralCode).where(
        ReferralCode.id == code_id, ReferralCode.revoked_at.is_(None),
        or_(ReferralCode.expires_at.is_(None), ReferralCode.expires_at > now),
        or_(ReferralCode.max_uses.is_(None), ReferralCode.use_count < ReferralCode.max_uses),
    ).values(use_count=ReferralCode.use_count + 1).execution_options(synchronize_session=False)).rowcount
    return taken == 1


def leave(user: User, organisation_id: str) -> None:
    """Leave a programme. Someone who limited matching to their programmes and has none left matches network-wide."""
    membership = _membership(user.id, organisation_id)
    if membership is None:
        raise NotFoundError("Organisation not found.")
    if membership.role == MembershipRole.MODERATOR:
        # Leaving their last organisation would make a moderator network-wide: only an admin changes that.
        raise PermissionDeniedError("Moderators are removed from an organisation by an admin.")
    db.session.delete(membership)
    db.session.flush()
    if user.matching_scope == "programme" and not organisation_ids(user.id):
        user.matching_scope = "network"
    db.session.commit()


# Used by matching, profiles and privacy

def organisation_ids(user_id: str) -> list[str]:
    return list(db.session.scalars(select(OrganisationMember.organisation_id)
                                   .where(OrganisationMember.user_id == user_id)))


def memberships_of(user_id: str) -> list[tuple[OrganisationMember, Organisation]]:
    return list(db.session.execute(
        select(OrganisationMember, Organisation).join(Organisation)
        .where(OrganisationMember.user_id == user_id).order_by(OrganisationMember.joined_at)).tuples())


def matching_filter(seeker: User, candidate_id):
    """One SQL condition on a candidate's user id column: a seeker limited to their programmes meets only
    people sharing one, and a candidate limited to theirs is offered only to seekers sharing one."""
    own = aliased(OrganisationMember)
    shared = select(OrganisationMember.user_id).where(OrganisationMember.organisation_id.in_(
        select(own.organisation_id).where(own.user_id == seeker.id)))
    if seeker.matching_scope == "programme":
        return candidate_id.in_(shared)
    return or_(User.matching_scope != "programme", candidate_id.in_(shared))


# Access

def _get(organisation_id: str) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFoundError("Organisation not found.")
    return organisation


def _membership(user_id: str, organisation_id: str) -> OrganisationMember | None:
    return db.session.get(OrganisationMember, (organisation_id, user_id))


def _is_staff_of(user: User, organisation_id: str) -> bool:
    """Admins and network-wide moderators, and moderators of this organisation who still hold the role."""
    if is_global_staff(user):
        return True
    membership = _membership(user.id, organisation_id)
    return (membership is not None and membership.role == MembershipRole.MODERATOR
            and user.has_role(Role.MODERATOR))


def _visible(user: User, organisation_id: str) -> tuple[Organisation, OrganisationMember | None]:
    """Its members and its staff see an organisation; to everyone else it does not exist."""
    organisation = _get(organisation_id)
    membership = _membership(user.id, organisation.id)
    if membership is None and not is_global_staff(user):
        raise NotFoundError("Organisation not found.")
    return organisation, membership


def _require_staff_of(user: User, organisation_id: str) -> Organisation:
    organisation, _ = _visible(user, organisation_id)
    if not _is_staff_of(user, organisation.id):
        raise PermissionDeniedError("Only this organisation's moderators can do this.")
    return organisation


def _require_admin(user: User) -> None:
    if not user.has_role(Role.ADMIN):
        raise PermissionDeniedError("Only admins can do this.")


def _joined_view(membership: OrganisationMember) -> OrganisationView:
    return OrganisationView(db.session.get(Organisation, membership.organisation_id), membership.role,
                            joined_at=membership.joined_at)
