"""The access policy below the API: each rule of services/policy.py as a spec (C1, C3-C5, R1-R2)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import (
    Conversation, ConversationKind, ConversationMember, Group, GroupMembership, MembershipRole, Organisation,
    OrganisationMember, Report, User, db, new_id, utcnow,
)
from services import policy


@pytest.fixture
def world(app, people):
    """Northside (moderated by `mod`, members `a`, `b`), an outsider `x`, a network moderator and a patient."""
    ids = {"mod": people.make(roles=("moderator",)).id, "network": people.make(roles=("moderator",)).id,
           "admin": people.make(roles=("admin",)).id, "a": people.make().id, "b": people.make().id,
           "x": people.make().id}
    with app.app_context():
        org = Organisation(name="Northside", kind="provider")
        db.session.add(org)
        db.session.flush()
        for key, role in (("mod", MembershipRole.MODERATOR), ("a", MembershipRole.MEMBER),
                          ("b", MembershipRole.MEMBER)):
            db.session.add(OrganisationMember(organisation_id=org.id, user_id=ids[key], role=role))
        db.session.commit()
        yield {key: db.session.get(User, uid) for key, uid in ids.items()}


def circle(created_by: User, **people: str) -> Group:
    """A private circle made by `created_by`, with people as user_id=status (host, member, invited, requested)."""
    conversation = Conversation(id=new_id(), kind=ConversationKind.GROUP, title="c")
    db.session.add(conversation)
    db.session.flush()
    group = Group(id=new_id(), name="c", visibility="private", conversation_id=conversation.id,
                  created_by=created_by.id)
    db.session.add(group)
    db.session.flush()
    for user_id, status in people.items():
        role = "host" if status == "host" else "member"
        db.session.add(GroupMembership(group_id=group.id, user_id=user_id, role=role,
                                       status="member" if status == "host" else status))
    db.session.commit()
    return group


def in_scope_ids(staff: User) -> set[str]:
    return set(db.session.scalars(select(Group.id).where(policy.circles_in_scope(staff))))


# C3: a circle is in an organisation moderator's scope only when its creator and everyone in it are

def test_a_circle_of_only_their_people_is_in_an_organisation_moderators_scope(world):
    group = circle(world["a"], **{world["a"].id: "host", world["b"].id: "member"})
    assert policy.covers_circle(world["mod"], group) and group.id in in_scope_ids(world["mod"])


@pytest.mark.parametrize("status", ["member", "invited", "requested", "host"])
def test_one_outsider_in_any_status_takes_the_circle_out_of_scope(world, status):
    group = circle(world["a"], **{world["a"].id: "host", world["x"].id: status})
    assert not policy.covers_circle(world["mod"], group) and group.id not in in_scope_ids(world["mod"])


def test_a_circle_an_outsider_created_is_out_of_scope_even_after_they_left(world):
    group = circle(world["x"], **{world["a"].id: "host"})
    assert not policy.covers_circle(world["mod"], group)


def test_network_wide_staff_cover_every_circle_and_members_cover_none(world):
    group = circle(world["x"], **{world["x"].id: "host"})
    assert policy.covers_circle(world["network"], group) and policy.covers_circle(world["admin"], group)
    assert not policy.covers_circle(world["a"], group) and in_scope_ids(world["a"]) == set()


def test_an_organisation_moderator_sees_a_private_circle_only_in_scope(world):
    ours = circle(world["a"], **{world["a"].id: "host"})
    theirs = circle(world["x"], **{world["x"].id: "host"})
    visible = set(db.session.scalars(select(Group.id).where(policy.circles_visible_to(world["mod"]))))
    assert ours.id in visible and theirs.id not in visible


# C4/C5: managing a circle

def test_hosts_and_covering_staff_manage_a_circle(world):
    group = circle(world["x"], **{world["x"].id: "host", world["a"].id: "member"})
    assert policy.may_manage_circle(world["x"], group) and policy.may_manage_circle(world["network"], group)
    assert not policy.may_manage_circle(world["mod"], group) and not policy.may_manage_circle(world["a"], group)


def test_only_covering_staff_remove_another_host_and_a_host_may_step_down(world):
    group = circle(world["a"], **{world["a"].id: "host", world["b"].id: "host"})
    assert policy.may_remove_host(world["a"], group, world["a"].id)
    assert not policy.may_remove_host(world["a"], group, world["b"].id)
    assert policy.may_remove_host(world["mod"], group, world["b"].id)


def test_staff_admit_only_people_in_scope_and_never_themselves(world):
    group = circle(world["a"], **{world["a"].id: "host"})
    assert policy.may_admit_as_manager(world["mod"], group, world["b"])
    assert not policy.may_admit_as_manager(world["mod"], group, world["x"])
    assert not policy.may_admit_as_manager(world["mod"], group, world["mod"])
    assert not policy.may_admit_as_manager(world["network"], group, world["network"])
    assert policy.may_admit_as_manager(world["a"], group, world["x"])  # a host invites whom they may see


# C1: conversations

def test_only_a_current_member_reads_a_conversation(world):
    group = circle(world["a"], **{world["a"].id: "host"})
    left = ConversationMember(conversation_id=group.conversation_id, user_id=world["b"].id, left_at=utcnow())
    current = ConversationMember(conversation_id=group.conversation_id, user_id=world["a"].id)
    assert policy.may_read_conversation(current)
    assert not policy.may_read_conversation(left) and not policy.may_read_conversation(None)


# R1/R2: reports

def test_a_report_is_in_scope_by_its_reporter_but_acting_needs_the_reported_person(world):
    by_ours = Report(reporter_id=world["a"].id, target_type="user", target_id=world["x"].id,
                     target_user_id=world["x"].id, reason="spam")
    about_ours = Report(reporter_id=world["x"].id, target_type="user", target_id=world["a"].id,
                        target_user_id=world["a"].id, reason="spam")
    theirs = Report(reporter_id=world["x"].id, target_type="group", target_id=new_id(), reason="spam")
    db.session.add_all([by_ours, about_ours, theirs])
    db.session.commit()
    mod = world["mod"]
    assert policy.report_in_scope(mod, by_ours) and not policy.may_act_on_reported_person(mod, by_ours)
    assert policy.report_in_scope(mod, about_ours) and policy.may_act_on_reported_person(mod, about_ours)
    assert not policy.report_in_scope(world["mod"], theirs)
    listed = set(db.session.scalars(select(Report.id).where(policy.reports_in_scope(world["mod"]))))
    assert listed == {by_ours.id, about_ours.id}
    everything = set(db.session.scalars(select(Report.id).where(policy.reports_in_scope(world["network"]))))
    assert everything == {by_ours.id, about_ours.id, theirs.id}
