"""Peer circles: public or private groups, each talking in its own group conversation.

Who sees and manages a circle is decided in services/policy.py (rules C2-C5): everyone signed in
sees public ones; a private one is seen by anyone with a membership row (member, invited,
requested), by people living with its condition or one in the same group (so they can ask to
join), and by staff whose scope covers the circle. Everything else answers 404.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select, tuple_, update

from models import (
    Conversation, ConversationKind, ConversationMember, Group, GroupMembership, MentorProfile, Role,
    User, db, new_id, utcnow,
)
from services import audit, changes, free_text, notifications, policy, profiles
from services import conditions as condition_service
from services.changes import Change
from services.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from services.pagination import Page, decode_cursor, page_from_rows

MEMBER, INVITED, REQUESTED = "member", "invited", "requested"
HOST = "host"
PUBLIC, PRIVATE = "public", "private"


@dataclass
class GroupView:
    """A circle as one person sees it: the shape of `GET /groups` items."""

    id: str
    name: str
    description: str | None
    condition_id: str | None
    visibility: str
    member_count: int
    max_members: int
    conversation_id: str | None  # members only
    membership: str | None       # None | member | invited | requested
    role: str | None             # the caller's role once a member: member | host
    created_at: datetime


def view_of(group: Group, membership: GroupMembership | None) -> GroupView:
    is_member = membership is not None and membership.status == MEMBER
    return GroupView(
        id=group.id, name=group.name, description=group.description, condition_id=group.condition_id,
        visibility=group.visibility, member_count=group.member_count, max_members=group.max_members,
        conversation_id=group.conversation_id if is_member else None,
        membership=membership.status if membership else None, role=membership.role if is_member else None,
        created_at=group.created_at,
    )


def views_for(viewer: User, groups: list[Group]) -> list[GroupView]:
    """Views for a list of circles, with the viewer's memberships in one query."""
    mine = {m.group_id: m for m in db.session.scalars(select(GroupMembership).where(
        GroupMembership.user_id == viewer.id, GroupMembership.group_id.in_([g.id for g in groups])))} if groups else {}
    return [view_of(g, mine.get(g.id)) for g in groups]


def is_accredited_mentor(user: User) -> bool:
    """A mentor whose accreditation has not run out (expired mentors keep the role until renewed)."""
    if not user.has_role(Role.MENTOR):
        return False
    profile = db.session.get(MentorProfile, user.id)
    return profile is None or profile.accredited_until > utcnow()


# --- reading -----------------------------------------------------------------------------------

def access_group(viewer: User, group_id: str) -> Group:
    """Return the circle if `viewer` may see it; otherwise act as if it doesn't exist."""
    group = db.session.scalar(select(Group).where(Group.id == group_id, Group.archived_at.is_(None),
                                                  policy.circles_visible_to(viewer)))
    if group is None:
        raise NotFoundError("Circle not found.")
    return group


def list_groups(viewer: User, *, condition_id: str | None = None, q: str | None = None, limit: int = 20,
                cursor: str | None = None) -> Page[GroupView]:
    """The circles the viewer may see, alphabetically; optionally for one condition or matching a name."""
    stmt = select(Group).where(Group.archived_at.is_(None), policy.circles_visible_to(viewer)).order_by(
        Group.name, Group.id)
    if condition_id:
        stmt = stmt.where(Group.condition_id == condition_id)
    if q and q.strip():
        stmt = stmt.where(Group.name.ilike(f"%{condition_service.escape_like(q.strip())}%", escape="\\"))
    after = decode_cursor("groups", cursor)
    if after:
        stmt = stmt.where(tuple_(Group.name, Group.id) > tuple_(*after))
    page = page_from_rows(list(db.session.scalars(stmt.limit(limit + 1))), limit=limit, purpose="groups",
                          position_of=lambda g: [g.name, g.id])
    return Page(views_for(viewer, page.items), page.next_cursor)


def get_group(viewer: User, group_id: str) -> GroupView:
    group = access_group(viewer, group_id)
    return view_of(group, _membership(group.id, viewer.id))


@dataclass
class MemberView:
    """Someone in (or invited to, or asking to join) a circle, as its hosts and moderators see them."""

    user_id: str
    display_name: str
    status: str  # member | invited | requested
    role: str    # member | host
    since: datetime


def list_members(manager: User, group_id: str) -> list[MemberView]:
    """A circle's hosts first, then members, invitations and requests, oldest first: its hosts, and staff
    who cover it (policy C4); a staff read is audited."""
    group = access_group(manager, group_id)
    _require_manager(manager, group)
    if not policy.hosts_circle(manager, group):
        audit.record(manager.id, "circle.members_read", target_type="group", target_id=group.id)
        db.session.commit()
    order = case((GroupMembership.role == HOST, 0), (GroupMembership.status == MEMBER, 1),
                 (GroupMembership.status == INVITED, 2), else_=3)
    rows = db.session.execute(
        select(GroupMembership, User.display_name).join(User, User.id == GroupMembership.user_id)
        .where(GroupMembership.group_id == group.id).order_by(order, GroupMembership.created_at, User.id))
    return [MemberView(m.user_id, name, m.status, m.role, m.created_at) for m, name in rows]


def get_group_for_staff(staff: User, group_id: str) -> tuple[GroupView, list[MemberView] | None]:
    """A circle for the console, with its people only when `staff` may manage it (policy C4; audited)."""
    view = get_group(staff, group_id)
    group = db.session.get(Group, view.id)
    if not policy.may_manage_circle(staff, group):
        return view, None
    return view, list_members(staff, group_id)


def suggest_groups(seeker: User, condition_ids: set[str], *, limit: int = 5) -> list[GroupView]:
    """Public circles with room for the conditions (or their groups) that the seeker is not in yet."""
    if not condition_ids:
        return []
    related = condition_service.related_condition_ids(condition_ids)
    already_in = select(GroupMembership.group_id).where(GroupMembership.user_id == seeker.id,
                                                        GroupMembership.status == MEMBER)
    exact_first = case((Group.condition_id.in_(condition_ids), 0), else_=1)
    groups = list(db.session.scalars(
        select(Group).where(Group.archived_at.is_(None), Group.visibility == PUBLIC,
                            Group.member_count < Group.max_members, Group.condition_id.in_(related),
                            Group.id.notin_(already_in))
        .order_by(exact_first, Group.member_count.desc(), Group.name, Group.id).limit(limit)
    ))
    return views_for(seeker, groups)


# --- changing ----------------------------------------------------------------------------------

def create_group(creator: User, *, name: str, description: str | None = None, condition_id: str | None = None,
                 visibility: str = PUBLIC, max_members: int = 12) -> GroupView:
    """Mentors and moderators open a circle; its conversation opens with the creator as host."""
    if not (creator.is_staff or is_accredited_mentor(creator)):
        raise PermissionDeniedError("Only mentors and moderators can start a circle.")
    if condition_id and not condition_service.existing_condition_ids({condition_id}):
        raise InvalidInputError("condition_id", f"Unknown condition: {condition_id}.")
    conversation = Conversation(id=new_id(), kind=ConversationKind.GROUP, title=name)
    db.session.add(conversation)
    db.session.flush()
    group = Group(id=new_id(), name=name, description=description, condition_id=condition_id,
                  visibility=visibility, max_members=max_members, member_count=1,
                  conversation_id=conversation.id, created_by=creator.id)
    membership = GroupMembership(group_id=group.id, user_id=creator.id, status=MEMBER, role=HOST)
    db.session.add_all([group, membership, ConversationMember(conversation_id=conversation.id, user_id=creator.id)])
    db.session.flush()
    _record(group, creator.id)
    safety = free_text.screen_fields(creator, source="group", source_id=group.id, texts=[name, description])
    db.session.commit()
    return free_text.with_safety(view_of(group, membership), safety)


def join_group(person: User, group_id: str) -> GroupView:
    """Join a public circle (or a private one you were invited to); otherwise ask the hosts."""
    group = access_group(person, group_id)
    membership = _membership(group.id, person.id)
    if membership is not None and membership.status == MEMBER:
        return view_of(group, membership)
    if group.visibility == PRIVATE and (membership is None or membership.status == REQUESTED):
        if membership is not None:
            return view_of(group, membership)  # already asked: still waiting for a host
        membership = GroupMembership(group_id=group.id, user_id=person.id, status=REQUESTED)
        db.session.add(membership)
        db.session.flush()
        _tell_hosts(group, "group_join_request", {"group_id": group.id, "user_id": person.id})
    else:
        membership = _admit(group, person.id, membership)
    db.session.commit()
    return view_of(group, membership)


def leave_group(person: User, group_id: str) -> GroupView:
    """Leave a circle (or turn down an invitation, or withdraw a request to join)."""
    group = access_group(person, group_id)
    membership = _membership(group.id, person.id)
    if membership is None:
        raise ConflictError("You are not a member of this circle.")
    _remove(group, membership)
    db.session.commit()
    return view_of(group, None)


def invite(host: User, group_id: str, *, user_id: str) -> tuple[GroupMembership, bool]:
    """A host or moderator invites someone; return the membership and whether anything changed.

    Inviting someone who already asked to join lets them in at once."""
    group = access_group(host, group_id)
    _require_manager(host, group)
    invitee = profiles.access_user(host, user_id)
    _require_may_admit(host, group, invitee)
    membership = _membership(group.id, invitee.id)
    if membership is not None and membership.status == MEMBER:
        raise ConflictError("This person is already a member.")
    if membership is not None and membership.status == INVITED:
        return membership, False
    if membership is None:
        membership = GroupMembership(group_id=group.id, user_id=invitee.id, status=INVITED)
        db.session.add(membership)
        db.session.flush()
        notifications.notify(invitee, "group_invitation", {"group_id": group.id})
    else:
        membership = _admit(group, invitee.id, membership)
        notifications.notify(invitee, "group_request_approved", {"group_id": group.id})
    db.session.commit()
    return membership, True


def approve(host: User, group_id: str, *, user_id: str) -> GroupMembership:
    """A host or moderator lets in someone who asked to join; approving twice changes nothing."""
    group = access_group(host, group_id)
    _require_manager(host, group)
    membership = _membership(group.id, user_id)
    if membership is None:
        raise NotFoundError("This person has not asked to join.")
    if membership.status == MEMBER:
        return membership
    if membership.status != REQUESTED:
        raise ConflictError("This person was invited and has not asked to join; they can join themselves.")
    _require_may_admit(host, group, db.session.get(User, user_id))
    membership = _admit(group, user_id, membership)
    notifications.notify(db.session.get(User, user_id), "group_request_approved", {"group_id": group.id})
    db.session.commit()
    return membership


def remove_member(host: User, group_id: str, *, user_id: str) -> None:
    """A host or moderator removes a member, withdraws an invitation or turns down a request.

    Only moderators remove hosts."""
    group = access_group(host, group_id)
    _require_manager(host, group)
    membership = _membership(group.id, user_id)
    if membership is None:
        raise NotFoundError("This person is not in this circle.")
    if membership.role == HOST and not policy.may_remove_host(host, group, user_id):
        raise PermissionDeniedError("Only moderators can remove a host.")
    was_member = membership.status == MEMBER
    _remove(group, membership)
    if was_member and user_id != host.id:
        # Told quietly, like a declined connection: in the inbox, without a push.
        notifications.notify(db.session.get(User, user_id), "group_removed", {"group_id": group.id}, push=False)
    db.session.commit()


def open_hosted_circle(*, name: str, created_by: str, host_ids: list[str], max_members: int) -> Group:
    """A private circle whose hosts are named by someone else (a course's tutors); the caller commits."""
    conversation = Conversation(id=new_id(), kind=ConversationKind.GROUP, title=name)
    db.session.add(conversation)
    db.session.flush()
    group = Group(id=new_id(), name=name, visibility=PRIVATE, max_members=max_members, member_count=0,
                  conversation_id=conversation.id, created_by=created_by)
    db.session.add(group)
    db.session.flush()
    for host_id in host_ids:
        membership = GroupMembership(group_id=group.id, user_id=host_id, role=HOST)
        db.session.add(membership)
        _admit(group, host_id, membership)
    return group


def add_member(group: Group, user_id: str) -> GroupMembership:
    """Make someone a member (a course place taken); the caller commits. Already in: unchanged."""
    membership = _membership(group.id, user_id)
    if membership is not None and membership.status == MEMBER:
        return membership
    return _admit(group, user_id, membership)


def _membership(group_id: str, user_id: str) -> GroupMembership | None:
    return db.session.get(GroupMembership, (group_id, user_id))


def _require_manager(actor: User, group: Group) -> None:
    if not policy.may_manage_circle(actor, group):
        raise PermissionDeniedError("Only the circle's hosts and moderators can do this.")


def _require_may_admit(manager: User, group: Group, person: User) -> None:
    if not policy.may_admit_as_manager(manager, group, person):
        raise PermissionDeniedError("Moderators invite or let in only people in their organisations, and never "
                                    "themselves: a host can invite you.")


def _admit(group: Group, user_id: str, membership: GroupMembership | None) -> GroupMembership:
    """Take a place (409 when full), make the person a member and open the conversation to them."""
    # One conditional UPDATE: concurrent joins cannot overfill the circle (the row lock orders them).
    taken = db.session.execute(
        update(Group).where(Group.id == group.id, Group.member_count < Group.max_members)
        .values(member_count=Group.member_count + 1).execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise ConflictError("This circle is full.")
    if membership is None:
        membership = GroupMembership(group_id=group.id, user_id=user_id)
        db.session.add(membership)
    membership.status = MEMBER
    conversation = db.session.get(Conversation, group.conversation_id)
    member = db.session.get(ConversationMember, (conversation.id, user_id))
    if member is None:
        member = ConversationMember(conversation_id=conversation.id, user_id=user_id)
        db.session.add(member)
    # What was said before (or while away) does not count as unread.
    member.left_at, member.joined_at = None, utcnow()
    member.read_seq = max(member.read_seq or 0, conversation.last_seq)
    db.session.flush()
    db.session.refresh(group)
    _record(group, user_id)
    return membership


def remove_membership(membership: GroupMembership) -> None:
    """Free a place (account erasure); the caller commits."""
    _remove(db.session.get(Group, membership.group_id), membership)


def _remove(group: Group, membership: GroupMembership) -> None:
    user_id, was_member = membership.user_id, membership.status == MEMBER
    db.session.delete(membership)
    if was_member:
        db.session.execute(
            update(Group).where(Group.id == group.id, Group.member_count > 0)
            .values(member_count=Group.member_count - 1).execution_options(synchronize_session=False))
        # The conversation's row lock orders this with sends (they take it for the next seq): a
        # message either went out before the person left, or is not sent to them at all.
        db.session.execute(update(Conversation).where(Conversation.id == group.conversation_id)
                           .values(last_seq=Conversation.last_seq).execution_options(synchronize_session=False))
        member = db.session.get(ConversationMember, (group.conversation_id, user_id))
        if member is not None and member.left_at is None:
            member.left_at = utcnow()
            notifications.on_conversation_left(user_id, group.conversation_id)
    db.session.flush()
    db.session.refresh(group)
    if was_member:
        _record(group, user_id)


def _record(group: Group, user_id: str) -> None:
    """The person concerned and the remaining members learn (through /sync) that the member list changed."""
    members = db.session.scalars(select(ConversationMember.user_id).where(
        ConversationMember.conversation_id == group.conversation_id, ConversationMember.left_at.is_(None)))
    changes.record(Change([user_id, *members], "conversation", group.conversation_id))


def _tell_hosts(group: Group, type_: str, data: dict[str, str]) -> None:
    hosts = db.session.scalars(select(User).join(GroupMembership, GroupMembership.user_id == User.id).where(
        GroupMembership.group_id == group.id, GroupMembership.status == MEMBER, GroupMembership.role == HOST))
    for host in hosts:
        notifications.notify(host, type_, data)

