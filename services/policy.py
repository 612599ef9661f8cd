"""Who may see or act on what: the one page a data-protection officer reads.

Services fetch a row and ask a rule here before they show or change it. What a rule refuses looks
missing (404) when the caller could not otherwise know it exists, and forbidden (403) when they can
already see it. Each section below opens with its rules in plain English; the code under it is the
whole of how they are enforced.

People and profile fields
  P1. A signed-in person sees another active (not suspended, not erased) person unless either of
      them has blocked the other. Blocks are silent: the other person looks missing.
  P2. Staff have no extra right to see a person's profile fields; they act on a person only within
      their staff scope (S1-S3).

Conversations and circles
  C1. A conversation (and every message in it) is read only by its current members. Staff have no
      right to read a conversation; they see a message only in the context of a report about it,
      and that read is audited (R3).
  C2. Everyone signed in sees a public circle. A private circle is seen by the people it has a row
      for (member, invited, asked to join), by people living with its condition or one in the same
      group (so they can ask to join), and by staff whose scope covers it (C3).
  C3. A circle is in a staff member's scope when its creator and every person in it (hosts,
      members, invitations, requests to join) are in that staff member's scope. Network-wide staff
      cover every circle. A circle with anyone from outside an organisation moderator's
      organisations is looked after by network-wide moderators, so that nothing about that person
      (not even that they are there) reaches a moderator who is not theirs.
  C4. A circle's members list is shown to its hosts and to staff who cover the circle; every read
      by staff who are not its host is written to the audit log.
  C5. Hosts and staff who cover the circle invite, let in and remove people; only staff remove a
      host. Staff acting as staff invite only people in their scope, and never invite or let in
      themselves: a moderator joins a private circle only when a host invites them, as anyone else.
  C6. A member writes in a circle's conversation while they are a member (C1). In a direct
      conversation they write only while the other person is still in it and has an account,
      neither has blocked the other, and the two have an accepted connection or an active
      mentorship. A retry of a message sent before that changed still gets its original answer.

Staff scope
  S1. Admins, and moderators who moderate no organisation, are network-wide: their scope is
      everyone.
  S2. A moderator of one or more organisations looks after the members (any role) of those
      organisations, and nobody else.
  S3. Anyone else, including someone an organisation still lists as moderator after losing the
      moderator role, looks after nobody.

Reports
  R1. A report is in a moderator's scope when its reporter or the reported person is (S1-S3).
  R2. Dismissing needs the report in scope; acting on a person (warn, suspend, remove their
      content) needs that person in scope, so nobody can report a stranger and then act on them.
  R3. Reading a report shows the reported message with a few messages around it, and the read is
      audited. An organisation moderator sees, around it, only what people in their scope wrote:
      a report by one of their members does not open the rest of a conversation with outsiders.

Courses (self-management courses, issue 17)
  K1. A course with no organisation is seen by everyone signed in. A programme's course is seen by
      that organisation's members, by anyone it has an enrolment row for, by its tutors and by the
      staff who run it (K2); to everyone else it does not exist.
  K2. A course is run by network-wide staff (S1) and, for a programme's course, by that
      organisation's moderators (who still hold the moderator role). They create it, move or cancel
      its sessions and read its roster; its two tutors do the same for the course they lead, and
      mark attendance.
  K3. The meeting link of an online course is shown only to people enrolled on it and its tutors.
  K4. Participants see each other by display name only (in the course circle); the roster, with
      the waitlist and attendance, is for its tutors and the staff who run it.
  K5. An action plan is read by its writer, and by the course's tutors only while the writer shares
      it with them. Staff never read action plans; outcome figures are aggregates (no small cells).

Health information (conditions)
  H1. Anyone may say anything about themselves, so declaring a condition or a role is never a key
      to other people's health information. Each condition a person lists has a visibility:
      `public`: seen by everyone who may see the person (P1);
      `matches`: seen only by the people they are connected with (an accepted peer connection or
      an active mentorship), never by someone who merely lists the same condition;
      `private`: the person alone.
      After withdrawing consent to health-data processing, nobody else sees any of them.
  H2. Matching, suggestions and every listing, order, score, count or filter that one person sees
      about others use only what that person may see: other people are found, scored and ordered
      by their `public` conditions and public profile fields alone (never a birth year, never a
      `matches` or `private` condition). A person's own conditions, of any visibility, choose what
      they search for.
  H3. An open support request about a condition is shown to mentors only while the requester
      lists that condition as `public`; a request about no condition is shown to accredited mentors.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from models import (
    Block, Condition, Connection, ConnectionStatus, Conversation, ConversationMember, Course, CourseEnrolment, CourseTutor,
    EnrolmentStatus, Group, GroupMembership, MembershipRole, Mentorship, MentorshipStatus, Message,
    OrganisationMember, Report, Role, User, UserCondition, db, pair_key,
)
from services import blocks
from services import conditions as condition_service

PUBLIC = "public"
MEMBER, HOST = "member", "host"


# --- People and profile fields ------------------------------------------------------------------

def may_see_person(viewer: User, other: User) -> bool:
    """P1: active, and no block either way."""
    return other.is_active and not blocks.is_blocked_either_way(viewer.id, other.id)


# --- Conversations and circles ------------------------------------------------------------------

def may_read_conversation(member: ConversationMember | None) -> bool:
    """C1: a current member (their membership row, not left) reads a conversation; nobody else does."""
    return member is not None and member.left_at is None


@dataclass(frozen=True)
class DirectMessageState:
    erased: bool   # the other person deleted their account
    blocked: bool  # either of them blocked the other
    related: bool  # an accepted connection or an active mentorship


@cache
def _direct_message_query():
    other, me = aliased(ConversationMember), bindparam("sender_id")
    them = other.user_id
    blocked = exists().where(or_(and_(Block.blocker_id == me, Block.blocked_id == them),
                                 and_(Block.blocker_id == them, Block.blocked_id == me)))
    # The direct conversation's key is the pair's key, so the connection is found by its unique index.
    connected = exists().where(Connection.pair_key == Conversation.direct_key,
                               Connection.status == ConnectionStatus.ACCEPTED)
    mentoring = exists().where(Mentorship.status == MentorshipStatus.ACTIVE,
                               or_(and_(Mentorship.mentor_id == me, Mentorship.mentee_id == them),
                                   and_(Mentorship.mentor_id == them, Mentorship.mentee_id == me)))
    return (select(User.erased_at.is_not(None), blocked, or_(connected, mentoring))
            .select_from(other).join(User, User.id == them).join(Conversation, Conversation.id == other.conversation_id)
            .where(other.conversation_id == bindparam("conversation_id"), them != me, other.left_at.is_(None)))


def direct_message_state(sender_id: str, conversation_id: str) -> DirectMessageState | None:
    """C6 for a direct conversation, in one query; None when the other person has left it."""
    row = db.session.connection().execute(_direct_message_query(),
                             {"sender_id": sender_id, "conversation_id": conversation_id}).first()
    return None if row is None else DirectMessageState(*row)


def circles_visible_to(viewer: User) -> ColumnElement[bool]:
    """C2 as one SQL condition on `Group`."""
    clauses = [Group.visibility == PUBLIC,
               Group.id.in_(select(GroupMembership.group_id).where(GroupMembership.user_id == viewer.id))]
    related = condition_service.related_condition_ids({uc.condition_id for uc in viewer.conditions})
    if related:  # the same condition, or one in the same group: the people a private circle is for
        clauses += [Group.condition_id.in_(related),
                    Group.condition_id.in_(select(Condition.id).where(Condition.parent_id.in_(related)))]
    if viewer.is_staff:
        clauses.append(circles_in_scope(viewer))
    return or_(*clauses)


def circles_in_scope(staff: User) -> ColumnElement[bool]:
    """C3 as one SQL condition on `Group`: the creator and everyone in the circle are in scope."""
    if not staff.is_staff:
        return false()
    scope = members_in_scope(staff)
    if scope is None:
        return true()
    outsider_in_it = exists().where(GroupMembership.group_id == Group.id, GroupMembership.user_id.notin_(scope))
    return and_(Group.created_by.in_(scope), ~outsider_in_it)


def covers_circle(staff: User, group: Group) -> bool:
    """C3 for one circle."""
    return bool(db.session.scalar(select(exists().where(Group.id == group.id, circles_in_scope(staff)))))


def hosts_circle(person: User, group: Group) -> bool:
    membership = db.session.get(GroupMembership, (group.id, person.id))
    return membership is not None and membership.status == MEMBER and membership.role == HOST


def may_manage_circle(actor: User, group: Group) -> bool:
    """C4/C5: its hosts, and staff who cover it."""
    return hosts_circle(actor, group) or covers_circle(actor, group)


def may_remove_host(actor: User, group: Group, host_id: str) -> bool:
    """C5: a host may step down; only staff who cover the circle remove another host."""
    return host_id == actor.id or covers_circle(actor, group)


def may_admit_as_manager(actor: User, group: Group, person: User) -> bool:
    """C5: whom a manager may invite or let in. Hosts: anyone they may see. Staff acting as staff:
    people in their scope, never themselves."""
    if hosts_circle(actor, group):
        return True
    return person.id != actor.id and covers(actor, person.id)


# --- Courses -----------------------------------------------------------------------------------

def runs_courses_of(staff: User, organisation_id: str | None) -> bool:
    """K2: network-wide staff run every course; an organisation's moderators run its courses."""
    if is_global_staff(staff):
        return True
    if organisation_id is None or not staff.has_role(Role.MODERATOR):
        return False
    return bool(db.session.scalar(select(exists().where(
        OrganisationMember.organisation_id == organisation_id, OrganisationMember.user_id == staff.id,
        OrganisationMember.role == MembershipRole.MODERATOR))))


def tutors_course(person: User, course: Course) -> bool:
    return db.session.get(CourseTutor, (course.id, person.id)) is not None


def may_run_course(actor: User, course: Course) -> bool:
    """K2/K4: the staff who run it and its tutors (sessions, roster)."""
    return tutors_course(actor, course) or runs_courses_of(actor, course.organisation_id)


def is_enrolled(person: User, course: Course) -> bool:
    enrolment = db.session.scalar(select(CourseEnrolment).where(
        CourseEnrolment.course_id == course.id, CourseEnrolment.user_id == person.id))
    return enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED


def may_see_meeting_link(viewer: User, course: Course) -> bool:
    """K3."""
    return is_enrolled(viewer, course) or tutors_course(viewer, course)


def courses_visible_to(viewer: User) -> ColumnElement[bool]:
    """K1 as one SQL condition on `Course`."""
    if is_global_staff(viewer):
        return true()
    own_organisations = select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == viewer.id)
    return or_(Course.organisation_id.is_(None), Course.organisation_id.in_(own_organisations),
               Course.id.in_(select(CourseEnrolment.course_id).where(CourseEnrolment.user_id == viewer.id)),
               Course.id.in_(select(CourseTutor.course_id).where(CourseTutor.user_id == viewer.id)))


def may_read_action_plan(viewer: User, course: Course, owner_id: str, shared: bool) -> bool:
    """K5: the writer; the course's tutors while it is shared; nobody else (staff included)."""
    return viewer.id == owner_id or (shared and tutors_course(viewer, course))


# --- Health information (conditions) ------------------------------------------------------------

FINDABLE = "public"  # H2: the one visibility that may find, score or order a person for someone else


def conditions_visible_to(viewer: User, owner: User) -> list:
    """H1: the owner's conditions that `viewer` may see."""
    if viewer.id == owner.id:
        return list(owner.conditions)
    if owner.health_consent_withdrawn_at is not None:
        return []
    shown = {FINDABLE} | ({"matches"} if are_connected(viewer.id, owner.id) else set())
    return [uc for uc in owner.conditions if uc.visibility in shown]


def are_connected(a_id: str, b_id: str) -> bool:
    """H1: an accepted peer connection or an active mentorship, either way round."""
    connected = exists().where(Connection.pair_key == pair_key(a_id, b_id),
                               Connection.status == ConnectionStatus.ACCEPTED)
    mentoring = exists().where(Mentorship.status == MentorshipStatus.ACTIVE, or_(
        and_(Mentorship.mentor_id == a_id, Mentorship.mentee_id == b_id),
        and_(Mentorship.mentor_id == b_id, Mentorship.mentee_id == a_id)))
    return bool(db.session.scalar(select(or_(connected, mentoring))))


def condition_is_findable(user_id, condition_id) -> ColumnElement[bool]:
    """H2/H3 as one SQL condition: this person lists this condition as public and has not withdrawn consent."""
    withdrawn = select(User.id).where(User.health_consent_withdrawn_at.isnot(None)).correlate(None)
    return exists().where(UserCondition.user_id == user_id, UserCondition.condition_id == condition_id,
                          UserCondition.visibility == FINDABLE, UserCondition.user_id.notin_(withdrawn))


# --- Staff scope --------------------------------------------------------------------------------

def is_global_staff(staff: User) -> bool:
    """S1: admins, and moderators who moderate no organisation, see everyone."""
    if staff.has_role(Role.ADMIN):
        return True
    if not staff.has_role(Role.MODERATOR):
        return False
    return not moderates_any(staff.id)


def moderates_any(user_id: str) -> bool:
    """Whether an organisation lists this person as one of its moderators."""
    return bool(db.session.scalar(select(exists().where(
        OrganisationMember.user_id == user_id, OrganisationMember.role == MembershipRole.MODERATOR))))


def members_in_scope(staff: User) -> Select | None:
    """Whom a staff member may look after: None means everyone (S1); otherwise a SELECT of user ids.

    The ids are the members (any role) of the organisations where `staff` is a moderator (S2); for
    someone without the moderator role (even if an organisation still lists them as its
    moderator) it is nobody (S3). Use it as `column.in_(scope)`.
    """
    if is_global_staff(staff):
        return None
    moderated = select(OrganisationMember.organisation_id).where(
        OrganisationMember.user_id == staff.id, OrganisationMember.role == MembershipRole.MODERATOR,
        true() if staff.has_role(Role.MODERATOR) else false())
    return select(OrganisationMember.user_id).where(OrganisationMember.organisation_id.in_(moderated))


def covers(staff: User, *user_ids: str | None) -> bool:
    """Whether any of these people (None for nobody, e.g. a detector's report) is in `staff`'s scope."""
    scope = members_in_scope(staff)
    if scope is None:
        return True
    ids = [uid for uid in user_ids if uid]
    return bool(ids) and bool(db.session.scalar(select(scope.where(OrganisationMember.user_id.in_(ids)).exists())))


# --- Reports ------------------------------------------------------------------------------------

def reports_in_scope(staff: User) -> ColumnElement[bool]:
    """R1 as one SQL condition on `Report`."""
    scope = members_in_scope(staff)
    if scope is None:
        return true()
    return or_(Report.target_user_id.in_(scope), Report.reporter_id.in_(scope))


def report_in_scope(staff: User, report: Report) -> bool:
    """R1 for one report."""
    return covers(staff, report.target_user_id, report.reporter_id)


def may_act_on_reported_person(staff: User, report: Report) -> bool:
    """R2: acting on a person (anything but dismissing) needs that person in scope."""
    return covers(staff, report.target_user_id)


def report_context_visible(staff: User, reported: Message) -> ColumnElement[bool]:
    """R3 as one SQL condition on `Message`: around a reported message, what people in scope wrote."""
    scope = members_in_scope(staff)
    if scope is None:
        return true()
    return or_(Message.id == reported.id, Message.sender_id.in_(scope))
