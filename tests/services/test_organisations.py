"""Referral code text and the scope rule, below the API."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from models import MembershipRole, Organisation, OrganisationMember, User, db
from services import organisations

AMBIGUOUS = set("01OILU")


def test_a_new_code_is_ten_unambiguous_characters_in_groups_of_four_four_two():
    for _ in range(200):
        code = organisations.new_code()
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 2]
        assert set("".join(groups)) <= set(organisations.CODE_ALPHABET) and not set(code) & AMBIGUOUS


def test_codes_do_not_repeat():
    assert len({organisations.new_code() for _ in range(2000)}) == 2000


@given(code=st.text(alphabet=organisations.CODE_ALPHABET, min_size=10, max_size=10),
       separators=st.lists(st.sampled_from(["", " ", "-", "  ", " - "]), min_size=11, max_size=11),
       lower=st.lists(st.booleans(), min_size=10, max_size=10))
def test_however_a_code_is_typed_it_hashes_the_same(code, separators, lower):
    typed = separators[0] + "".join((ch.lower() if low else ch) + sep
                                    for ch, low, sep in zip(code, lower, separators[1:]))
    assert organisations.hash_code(typed) == organisations.hash_code(code)


def test_different_codes_hash_differently():
    assert organisations.hash_code("KQ7M-3XPD-9T") != organisations.hash_code("KQ7M-3XPD-9V")


def _users(*ids: str) -> list[User]:
    return [db.session.get(User, uid) for uid in ids]


def _org(name: str, *members: tuple[User, str]) -> Organisation:
    org = Organisation(name=name, kind="provider")
    db.session.add(org)
    db.session.flush()
    for user, role in members:
        db.session.add(OrganisationMember(organisation_id=org.id, user_id=user.id, role=role))
    db.session.commit()
    return org


def test_admins_and_moderators_of_no_organisation_see_everyone(app, people):
    ids = people.make(roles=("admin",)).id, people.make(roles=("moderator",)).id
    with app.app_context():
        admin, moderator = _users(*ids)
        assert organisations.members_in_scope(admin) is None and organisations.is_global_staff(admin)
        assert organisations.members_in_scope(moderator) is None and organisations.is_global_staff(moderator)


def test_an_organisations_moderator_sees_the_members_of_the_organisations_they_moderate(app, people):
    ids = [people.make(roles=("moderator",)).id] + [people.make().id for _ in range(3)]
    with app.app_context():
        moderator, a, b, c = _users(*ids)
        _org("A", (moderator, MembershipRole.MODERATOR), (a, MembershipRole.MEMBER))
        _org("B", (moderator, MembershipRole.MODERATOR), (b, MembershipRole.MEMBER))
        _org("C", (moderator, MembershipRole.MEMBER), (c, MembershipRole.MEMBER))  # member there, not moderator
        assert not organisations.is_global_staff(moderator)
        assert set(db.session.scalars(organisations.members_in_scope(moderator))) == {moderator.id, a.id, b.id}
        assert organisations.covers(moderator, None, a.id) and not organisations.covers(moderator, c.id, None)
        assert not organisations.covers(moderator, None)


def test_someone_who_is_not_staff_is_never_global_and_sees_nobody(app, people):
    patient_id = people.make().id
    with app.app_context():
        [patient] = _users(patient_id)
        _org("D", (patient, MembershipRole.MEMBER))
        assert not organisations.is_global_staff(patient)
        assert list(db.session.scalars(organisations.members_in_scope(patient))) == []
        assert db.session.scalar(select(Organisation.id).where(Organisation.name == "D"))


def test_someone_listed_as_an_organisations_moderator_without_the_role_sees_nobody(app, people):
    ids = people.make().id, people.make().id
    with app.app_context():
        former, member = _users(*ids)
        _org("E", (former, MembershipRole.MODERATOR), (member, MembershipRole.MEMBER))
        assert list(db.session.scalars(organisations.members_in_scope(former))) == []
