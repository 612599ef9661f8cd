"""Programmes: organisations, their moderators, referral codes, leaving, and who may do what."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from api.extensions import limiter
from models import AuditEntry, ReferralCode, db
from services import demo, organisations
from tests.conftest import assert_problem
from tests.factories import PersonFactory, befriend, send
from tests.mentoring_helpers import DIABETES_T1, apply_to_mentor, decide, make_mentor, match_ids, set_conditions

API = "/api/v1"
MISSING = "00000000-0000-4000-8000-000000000000"


def later(**delta) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def admin(people):
    return people.make(roles=("admin",))


def create_org(client, admin, name="Northside NHS Trust", kind="provider"):
    response = client.post(f"{API}/organisations", json={"name": name, "kind": kind}, headers=admin.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json


def add_moderator(client, admin, org, person):
    return client.post(f"{API}/organisations/{org['id']}/moderators", json={"user_id": person.id},
                       headers=admin.headers)


def mint(client, staff, org, **body):
    return client.post(f"{API}/organisations/{org['id']}/referral-codes", json=body, headers=staff.headers)


def redeem(client, person, code):
    return client.post(f"{API}/me/referrals", json={"code": code}, headers=person.headers)


def join(client, staff, org, person):
    """`person` joins `org` with a fresh single-use code."""
    response = redeem(client, person, mint(client, staff, org).json["code"])
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def org(client, admin):
    return create_org(client, admin)


@pytest.fixture
def org_moderator(client, people, admin, org):
    moderator = people.make(roles=("moderator",))
    assert add_moderator(client, admin, org, moderator).status_code == 200
    return moderator


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.created_at)))


# Organisations

def test_an_admin_creates_an_organisation_and_it_is_audited(app, client, admin):
    created = create_org(client, admin, name="  Diabetes   UK  ", kind="charity")
    assert created["name"] == "Diabetes UK" and created["kind"] == "charity" and created["role"] is None
    assert "organisation.created" in audit_actions(app)


def test_organisation_names_are_unique_regardless_of_case(client, admin, org):
    response = client.post(f"{API}/organisations", json={"name": "northside nhs trust", "kind": "charity"},
                           headers=admin.headers)
    assert_problem(response, 409)


@pytest.mark.parametrize("body", [{"name": "X Trust", "kind": "hospital"}, {"kind": "charity"},
                                  {"name": "   ", "kind": "charity"}, {"name": "a" * 121, "kind": "charity"}])
def test_a_bad_organisation_is_a_422(client, admin, body):
    assert_problem(client.post(f"{API}/organisations", json=body, headers=admin.headers), 422)


def test_only_admins_create_organisations(client, people):
    for person in (people.make(), people.make(roles=("moderator",))):
        response = client.post(f"{API}/organisations", json={"name": "Mine", "kind": "charity"}, headers=person.headers)
        assert_problem(response, 403)


def test_every_endpoint_needs_a_token(client, org):
    calls = [("get", "/organisations"), ("post", "/organisations"), ("get", f"/organisations/{org['id']}"),
             ("get", f"/organisations/{org['id']}/members"), ("post", f"/organisations/{org['id']}/moderators"),
             ("delete", f"/organisations/{org['id']}/moderators/{MISSING}"),
             ("post", f"/organisations/{org['id']}/referral-codes"), ("get", f"/organisations/{org['id']}/referral-codes"),
             ("post", f"/organisations/{org['id']}/referral-codes/{MISSING}/revoke"), ("post", "/me/referrals"),
             ("delete", f"/me/organisations/{org['id']}")]
    for method, path in calls:
        assert_problem(getattr(client, method)(f"{API}{path}", json={}), 401)


def test_people_list_only_the_programmes_they_belong_to(client, people, admin, org, org_moderator):
    other = create_org(client, admin, name="Staff Peer Network", kind="staff_network")
    patient = people.make()
    join(client, org_moderator, org, patient)
    listed = client.get(f"{API}/organisations", headers=patient.headers).json
    assert [(o["id"], o["role"]) for o in listed["items"]] == [(org["id"], "member")]
    assert listed["next_cursor"] is None
    assert [o["role"] for o in client.get(f"{API}/organisations", headers=org_moderator.headers).json["items"]] \
        == ["moderator"]
    everything = client.get(f"{API}/organisations", query_string={"all": "true"}, headers=admin.headers).json
    assert {o["id"] for o in everything["items"]} == {org["id"], other["id"]}
    assert client.get(f"{API}/organisations", headers=admin.headers).json["items"] == []


def test_only_network_wide_staff_list_every_organisation(client, people, org, org_moderator):
    assert_problem(client.get(f"{API}/organisations?all=true", headers=people.make().headers), 403)
    assert_problem(client.get(f"{API}/organisations?all=true", headers=org_moderator.headers), 403)
    global_moderator = people.make(roles=("moderator",))
    assert client.get(f"{API}/organisations?all=true", headers=global_moderator.headers).status_code == 200


def test_members_see_their_organisation_and_staff_also_see_its_moderators(client, people, org, org_moderator):
    patient = people.make()
    join(client, org_moderator, org, patient)
    seen = client.get(f"{API}/organisations/{org['id']}", headers=patient.headers).json
    assert seen["role"] == "member" and seen["joined_at"] and seen["member_count"] is None and seen["moderators"] is None
    staff_view = client.get(f"{API}/organisations/{org['id']}", headers=org_moderator.headers).json
    assert staff_view["member_count"] == 2 and [m["id"] for m in staff_view["moderators"]] == [org_moderator.id]
    assert set(staff_view["moderators"][0]) == {"id", "display_name"}


def test_an_organisation_is_404_to_outsiders_and_other_organisations_moderators(client, people, admin, org, org_moderator):
    other = create_org(client, admin, name="Elsewhere Trust")
    other_moderator = people.make(roles=("moderator",))
    add_moderator(client, admin, other, other_moderator)
    for person in (people.make(), other_moderator):
        assert_problem(client.get(f"{API}/organisations/{org['id']}", headers=person.headers), 404)
        assert_problem(client.get(f"{API}/organisations/{org['id']}/members", headers=person.headers), 404)
    assert_problem(client.get(f"{API}/organisations/{MISSING}", headers=admin.headers), 404)


def test_staff_list_members_and_members_may_not(client, people, org, org_moderator):
    patients = [people.make(), people.make()]
    for patient in patients:
        join(client, org_moderator, org, patient)
    page = client.get(f"{API}/organisations/{org['id']}/members", query_string={"limit": 2},
                      headers=org_moderator.headers).json
    assert [m["user"]["id"] for m in page["items"]] == [org_moderator.id, patients[0].id]
    rest = client.get(f"{API}/organisations/{org['id']}/members", query_string={"cursor": page["next_cursor"]},
                      headers=org_moderator.headers).json
    assert [(m["user"]["id"], m["role"]) for m in rest["items"]] == [(patients[1].id, "member")]
    assert_problem(client.get(f"{API}/organisations/{org['id']}/members", headers=patients[0].headers), 403)


# Moderators of an organisation

def test_an_admin_makes_a_moderator_an_organisation_moderator_and_removes_them(app, client, people, admin, org):
    moderator = people.make(roles=("moderator",))
    added = add_moderator(client, admin, org, moderator)
    assert added.json["role"] == "moderator" and added.json["user"]["id"] == moderator.id
    response = client.delete(f"{API}/organisations/{org['id']}/moderators/{moderator.id}", headers=admin.headers)
    assert response.status_code == 204
    assert client.get(f"{API}/organisations", headers=moderator.headers).json["items"] == []
    assert {"organisation.moderator_added", "organisation.moderator_removed"} <= set(audit_actions(app))


def test_a_moderator_who_had_joined_with_a_code_stays_a_member_when_removed(client, people, admin, org, org_moderator):
    clinician = people.make(roles=("moderator",))
    join(client, org_moderator, org, clinician)
    add_moderator(client, admin, org, clinician)
    client.delete(f"{API}/organisations/{org['id']}/moderators/{clinician.id}", headers=admin.headers)
    assert client.get(f"{API}/organisations/{org['id']}", headers=clinician.headers).json["role"] == "member"


def test_only_people_with_the_moderator_role_can_moderate_an_organisation(client, people, admin, org):
    assert_problem(add_moderator(client, admin, org, people.make()), 422)
    missing = client.post(f"{API}/organisations/{org['id']}/moderators", json={"user_id": MISSING},
                          headers=admin.headers)
    assert_problem(missing, 404)
    assert_problem(client.post(f"{API}/organisations/{MISSING}/moderators", json={"user_id": MISSING},
                               headers=admin.headers), 404)
    assert_problem(client.delete(f"{API}/organisations/{org['id']}/moderators/{MISSING}", headers=admin.headers), 404)


def test_only_admins_manage_organisation_moderators(client, people, org, org_moderator):
    candidate = people.make(roles=("moderator",))
    assert_problem(add_moderator(client, org_moderator, org, candidate), 403)
    assert_problem(client.delete(f"{API}/organisations/{org['id']}/moderators/{org_moderator.id}",
                                 headers=org_moderator.headers), 403)


# Referral codes

def test_a_moderator_mints_a_readable_single_use_code_that_is_stored_only_as_a_hash(app, client, org, org_moderator):
    response = mint(client, org_moderator, org)
    assert response.status_code == 201
    issued = response.json
    assert organisations.normalise_code(issued["code"]) != issued["code"]  # grouped with dashes
    assert len(issued["code"]) == 12 and set(issued["code"].replace("-", "")) <= set(organisations.CODE_ALPHABET)
    assert issued["max_uses"] == 1 and issued["uses_left"] == 1 and issued["status"] == "active"
    assert issued["prefix"] == issued["code"][:4] and issued["expires_at"] is None
    with app.app_context():
        stored = db.session.get(ReferralCode, issued["id"])
        assert stored.code_hash == organisations.hash_code(issued["code"])
        assert issued["code"] not in repr(vars(stored)) and organisations.normalise_code(issued["code"]) not in stored.code_hash
    assert "referral_code.created" in audit_actions(app)


def test_admins_and_network_wide_moderators_mint_codes_too(client, people, admin, org):
    assert mint(client, admin, org).status_code == 201
    assert mint(client, people.make(roles=("moderator",)), org).status_code == 201


def test_bad_code_requests_are_422(client, org, org_moderator):
    for body in ({"uses": 0}, {"uses": "3"}, {"uses": 1.5}, {"expires_at": later(minutes=-1)},
                 {"expires_at": "2030-01-01T00:00:00"}):
        assert_problem(mint(client, org_moderator, org, **body), 422)


def test_a_moderator_of_one_organisation_cannot_mint_list_or_revoke_codes_of_another(client, people, admin, org, org_moderator):
    other = create_org(client, admin, name="Elsewhere Trust")
    code = mint(client, admin, other).json
    assert_problem(mint(client, org_moderator, other), 404)
    assert_problem(client.get(f"{API}/organisations/{other['id']}/referral-codes", headers=org_moderator.headers), 404)
    assert_problem(client.post(f"{API}/organisations/{other['id']}/referral-codes/{code['id']}/revoke",
                               headers=org_moderator.headers), 404)
    # Nor reach it through their own organisation's path.
    assert_problem(client.post(f"{API}/organisations/{org['id']}/referral-codes/{code['id']}/revoke",
                               headers=org_moderator.headers), 404)


def test_patients_cannot_do_staff_things(client, people, admin, org, org_moderator):
    outsider, member = people.make(), people.make()
    join(client, org_moderator, org, member)
    assert_problem(mint(client, outsider, org), 404)
    assert_problem(mint(client, member, org), 403)
    assert_problem(client.get(f"{API}/organisations/{org['id']}/referral-codes", headers=member.headers), 403)
    assert_problem(add_moderator(client, member, org, org_moderator), 403)


def test_staff_list_codes_by_prefix_with_uses_left_and_state(client, org, org_moderator, people):
    single = mint(client, org_moderator, org).json
    multi = mint(client, org_moderator, org, uses=3, expires_at=later(days=30)).json
    redeem(client, people.make(), multi["code"])
    listed = client.get(f"{API}/organisations/{org['id']}/referral-codes", headers=org_moderator.headers).json
    by_id = {c["id"]: c for c in listed["items"]}
    assert by_id[multi["id"]]["uses_left"] == 2 and by_id[multi["id"]]["use_count"] == 1
    assert by_id[single["id"]]["status"] == "active" and "code" not in by_id[single["id"]]
    assert all(c["prefix"] for c in listed["items"])


def test_redeeming_joins_the_programme_whatever_the_case_spaces_and_dashes(client, people, org, org_moderator):
    code = mint(client, org_moderator, org).json["code"]
    patient = people.make()
    typed = " " + code.lower().replace("-", " ") + " "
    response = redeem(client, patient, typed)
    assert response.status_code == 200
    assert response.json["id"] == org["id"] and response.json["role"] == "member" and response.json["name"] == org["name"]


def test_a_single_use_code_admits_one_person(client, people, org, org_moderator):
    code = mint(client, org_moderator, org).json
    assert redeem(client, people.make(), code["code"]).status_code == 200
    second = people.make()
    assert_problem(redeem(client, second, code["code"]), 404)
    assert client.get(f"{API}/organisations", headers=second.headers).json["items"] == []


def test_a_multi_use_code_admits_that_many(client, people, org, org_moderator):
    code = mint(client, org_moderator, org, uses=3).json["code"]
    assert [redeem(client, people.make(), code).status_code for _ in range(4)] == [200, 200, 200, 404]


def test_a_code_without_a_use_limit_admits_anyone_until_it_expires(client, people, org, org_moderator):
    code = mint(client, org_moderator, org, uses=None, expires_at=later(days=1)).json
    assert code["max_uses"] is None and code["uses_left"] is None
    assert all(redeem(client, people.make(), code["code"]).status_code == 200 for _ in range(5))


def test_redeeming_again_changes_nothing_and_uses_nothing(app, client, people, org, org_moderator):
    code = mint(client, org_moderator, org, uses=2).json
    patient = people.make()
    first, again = redeem(client, patient, code["code"]), redeem(client, patient, code["code"])
    assert first.status_code == again.status_code == 200 and first.json == again.json
    with app.app_context():
        assert db.session.get(ReferralCode, code["id"]).use_count == 1
    # Even once the code is used up, the member who used it gets the same answer.
    redeem(client, people.make(), code["code"])
    assert redeem(client, patient, code["code"]).status_code == 200


def test_an_expired_code_is_refused_like_an_unknown_one(client, people, org, org_moderator, monkeypatch):
    code = mint(client, org_moderator, org, uses=5, expires_at=later(hours=1)).json["code"]
    real_now = organisations.utcnow()
    monkeypatch.setattr(organisations, "utcnow", lambda: real_now + timedelta(minutes=59))
    assert redeem(client, people.make(), code).status_code == 200
    monkeypatch.setattr(organisations, "utcnow", lambda: real_now + timedelta(hours=1, seconds=1))
    expired = assert_problem(redeem(client, people.make(), code), 404)
    unknown = assert_problem(redeem(client, people.make(), "ABCD-EFGH-JK"), 404)
    assert without_request_id(expired) == without_request_id(unknown)
    listed = client.get(f"{API}/organisations/{org['id']}/referral-codes", headers=org_moderator.headers).json
    assert listed["items"][0]["status"] == "expired"


def test_a_revoked_code_is_refused_like_an_unknown_one(app, client, people, org, org_moderator):
    code = mint(client, org_moderator, org, uses=5).json
    revoke = f"{API}/organisations/{org['id']}/referral-codes/{code['id']}/revoke"
    revoked = client.post(revoke, headers=org_moderator.headers)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked" and revoked.json["revoked_at"]
    assert client.post(revoke, headers=org_moderator.headers).json["revoked_at"] == revoked.json["revoked_at"]
    refused = assert_problem(redeem(client, people.make(), code["code"]), 404)
    assert without_request_id(refused) == without_request_id(assert_problem(redeem(client, people.make(), "nonsense!"), 404))
    assert audit_actions(app).count("referral_code.revoked") == 1
    assert_problem(client.post(f"{API}/organisations/{org['id']}/referral-codes/{MISSING}/revoke",
                               headers=org_moderator.headers), 404)


def test_a_used_up_code_leaves_nothing_changed(app, client, people, org, org_moderator):
    code = mint(client, org_moderator, org).json
    redeem(client, people.make(), code["code"])
    latecomer = people.make()
    assert_problem(redeem(client, latecomer, code["code"]), 404)
    with app.app_context():
        assert db.session.get(ReferralCode, code["id"]).use_count == 1
    assert client.get(f"{API}/organisations", headers=latecomer.headers).json["items"] == []


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 12345}, {"code": "x" * 41}])
def test_a_malformed_redemption_is_a_422(client, people, body):
    assert_problem(client.post(f"{API}/me/referrals", json=body, headers=people.make().headers), 422)


def test_the_last_use_goes_to_exactly_one_of_two_redeemers(app, client, people, org, org_moderator):
    """The conditional UPDATE decides: the second taker, with the count already at the limit, gets nothing."""
    code = mint(client, org_moderator, org, uses=2).json
    redeem(client, people.make(), code["code"])
    with app.app_context():
        taken = [organisations._take_one_use(code["id"]), organisations._take_one_use(code["id"])]
        db.session.rollback()
    assert taken == [True, False]


def test_two_redeemers_racing_for_the_last_use_one_joins(app, make_app, people, org, org_moderator):
    import threading

    client = app.test_client()
    code = mint(client, org_moderator, org).json["code"]
    racers = [people.make(), people.make()]
    clients = [make_app().test_client() for _ in racers]
    barrier, results = threading.Barrier(2), {}

    def run(i):
        barrier.wait()
        results[i] = redeem(clients[i], racers[i], code).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 404]


def test_redeeming_is_rate_limited_per_person(make_app, org, org_moderator):
    limited = make_app(REFERRAL_RATE_LIMIT="3 per minute")
    with limited.app_context():
        limiter.reset()
    client, guesser = limited.test_client(), PersonFactory(limited).make()
    statuses = [redeem(client, guesser, f"AAAA-BBBB-C{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_redeeming_is_rate_limited_per_address(make_app):
    limited = make_app(REFERRAL_RATE_LIMIT_PER_IP="3 per minute")
    with limited.app_context():
        limiter.reset()
    client, people = limited.test_client(), PersonFactory(limited)
    statuses = [redeem(client, people.make(), "AAAA-BBBB-CC").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


# Leaving

def test_a_member_leaves_a_programme(client, people, org, org_moderator):
    patient = people.make()
    join(client, org_moderator, org, patient)
    assert client.delete(f"{API}/me/organisations/{org['id']}", headers=patient.headers).status_code == 204
    assert client.get(f"{API}/organisations", headers=patient.headers).json["items"] == []
    assert_problem(client.delete(f"{API}/me/organisations/{org['id']}", headers=patient.headers), 404)


# Scoping: an organisation's moderator looks after its members; admins and network-wide moderators, everyone

def file_report(client, reporter, target, reason="harassment"):
    response = client.post(f"{API}/reports", json={"target_type": "user", "target_id": target.id, "reason": reason},
                           headers=reporter.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


@pytest.fixture
def two_programmes(client, people, admin, org, org_moderator):
    """Members `ours` of `org` (moderated by `org_moderator`) and `theirs` of another organisation."""
    other = create_org(client, admin, name="Elsewhere Trust")
    other_moderator = people.make(roles=("moderator",))
    add_moderator(client, admin, other, other_moderator)
    ours, theirs = people.make(), people.make()
    join(client, org_moderator, org, ours)
    join(client, other_moderator, other, theirs)
    return ours, theirs, other_moderator


def queue_ids(client, person) -> set[str]:
    response = client.get(f"{API}/moderation/reports", headers=person.headers)
    assert response.status_code == 200
    return {r["id"] for r in response.json["items"]}


def test_an_organisation_moderator_sees_reports_by_or_about_its_members_only(client, people, admin, org_moderator,
                                                                              two_programmes):
    ours, theirs, _ = two_programmes
    outsider = people.make()
    about_ours = file_report(client, outsider, ours)
    by_ours = file_report(client, ours, outsider)
    elsewhere = file_report(client, outsider, theirs)
    assert queue_ids(client, org_moderator) == {about_ours, by_ours}
    everyone = {about_ours, by_ours, elsewhere}
    assert queue_ids(client, admin) == everyone == queue_ids(client, people.make(roles=("moderator",)))


def test_an_organisation_moderator_cannot_read_or_resolve_another_organisations_report(client, people, org_moderator,
                                                                                        two_programmes):
    ours, theirs, other_moderator = two_programmes
    elsewhere = file_report(client, people.make(), theirs)
    mine = file_report(client, people.make(), ours)
    assert_problem(client.get(f"{API}/moderation/reports/{elsewhere}", headers=org_moderator.headers), 404)
    assert_problem(client.post(f"{API}/moderation/reports/{elsewhere}/resolve", json={"action": "dismiss"},
                               headers=org_moderator.headers), 404)
    assert client.get(f"{API}/moderation/reports/{elsewhere}", headers=other_moderator.headers).status_code == 200
    assert client.get(f"{API}/moderation/reports/{mine}", headers=org_moderator.headers).status_code == 200
    resolved = client.post(f"{API}/moderation/reports/{mine}/resolve", json={"action": "dismiss"},
                           headers=org_moderator.headers)
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"


def test_a_crisis_alert_reaches_the_persons_organisation_moderators_and_not_others(client, people, org_moderator,
                                                                                    two_programmes):
    ours, theirs, other_moderator = two_programmes
    conversation = befriend(client, ours, people.make())
    send(client, ours, conversation, "I can't do this anymore, I want to end it all tonight")
    alerts = [r for r in client.get(f"{API}/moderation/reports", headers=org_moderator.headers).json["items"]
              if r["source"] == "crisis_detector"]
    assert [a["target_user_id"] for a in alerts] == [ours.id]
    assert queue_ids(client, other_moderator) == set()
    inbox = lambda person: [n["type"] for n in client.get(f"{API}/notifications", headers=person.headers).json["items"]]  # noqa: E731
    assert "crisis_alert" in inbox(org_moderator) and "crisis_alert" not in inbox(other_moderator)


def test_an_organisation_moderator_decides_only_its_members_mentor_applications(client, people, admin, org_moderator,
                                                                               two_programmes):
    ours, theirs, other_moderator = two_programmes
    ids = {}
    for person in (ours, theirs):
        set_conditions(client, person, DIABETES_T1)
        ids[person.id] = apply_to_mentor(client, person).json["id"]
    listed = client.get(f"{API}/moderation/mentor-applications", headers=org_moderator.headers).json["items"]
    assert [a["id"] for a in listed] == [ids[ours.id]]
    assert_problem(decide(client, org_moderator, ids[theirs.id]), 404)
    assert decide(client, org_moderator, ids[ours.id]).status_code == 200
    assert decide(client, other_moderator, ids[theirs.id]).status_code == 200
    everyone = client.get(f"{API}/moderation/mentor-applications", headers=admin.headers).json["items"]
    assert {a["id"] for a in everyone} == set(ids.values())


def test_an_organisation_moderator_renews_only_its_members_accreditation(client, people, org_moderator, two_programmes):
    ours, theirs, other_moderator = two_programmes
    for person in (ours, theirs):
        set_conditions(client, person, DIABETES_T1)
        decide(client, other_moderator if person is theirs else org_moderator,
               apply_to_mentor(client, person).json["id"])
    assert_problem(client.post(f"{API}/moderation/mentors/{theirs.id}/renew", headers=org_moderator.headers), 404)
    assert client.post(f"{API}/moderation/mentors/{ours.id}/renew", headers=org_moderator.headers).status_code == 200


def test_an_organisation_moderator_sees_contact_flags_of_its_members_only(client, people, admin, org_moderator,
                                                                          two_programmes):
    ours, theirs, _ = two_programmes
    for sharer in (ours, theirs):
        send(client, sharer, befriend(client, sharer, people.make()), "add me on whatsapp 07700 900123")
    flagged = lambda person: {f["user_id"] for f in client.get(f"{API}/moderation/contact-flags",  # noqa: E731
                                                                headers=person.headers).json["items"]}
    assert flagged(org_moderator) == {ours.id}
    assert flagged(admin) == {ours.id, theirs.id}


# Matching scope: the whole network unless a person limits it to their programmes

def set_scope(client, person, scope):
    return client.patch(f"{API}/me", json={"matching_scope": scope}, headers=person.headers)


@pytest.fixture
def diabetes_network(client, people, admin, org, org_moderator):
    """`inside` and `member` are in `org`; `outside` is in no programme; all live with type 1 diabetes."""
    inside, member, outside = people.make(), people.make(), people.make()
    for person in (inside, member):
        join(client, org_moderator, org, person)
    for person in (inside, member, outside):
        set_conditions(client, person, DIABETES_T1)
    return inside, member, outside


def test_matching_spans_the_whole_network_by_default(client, diabetes_network):
    inside, member, outside = diabetes_network
    assert client.get(f"{API}/me", headers=inside.headers).json["matching_scope"] == "network"
    assert set(match_ids(client, inside)) == {member.id, outside.id}
    assert set(match_ids(client, outside)) == {inside.id, member.id}


def test_a_seeker_limited_to_their_programme_meets_only_people_who_share_one(client, diabetes_network):
    inside, member, outside = diabetes_network
    response = set_scope(client, inside, "programme")
    assert response.status_code == 200 and response.json["matching_scope"] == "programme"
    assert match_ids(client, inside) == [member.id]


def test_a_person_limited_to_their_programme_is_offered_only_to_people_sharing_one(client, diabetes_network):
    inside, member, outside = diabetes_network
    set_scope(client, inside, "programme")
    assert inside.id not in match_ids(client, outside)
    assert inside.id in match_ids(client, member)


def test_a_mentor_limited_to_their_programme_is_offered_only_within_it(client, people, org, org_moderator):
    mentor = make_mentor(client, people)
    join(client, org_moderator, org, mentor)
    set_scope(client, mentor, "programme")
    inside, outside = people.make(), people.make()
    join(client, org_moderator, org, inside)
    for person in (inside, outside):
        set_conditions(client, person, DIABETES_T1)
    assert match_ids(client, inside, kind="mentor") == [mentor.id]
    assert match_ids(client, outside, kind="mentor") == []


def test_limiting_matching_needs_a_programme_and_a_known_scope(client, people):
    loner = people.make()
    assert_problem(set_scope(client, loner, "programme"), 422)
    assert_problem(set_scope(client, loner, "everyone"), 422)
    assert client.get(f"{API}/me", headers=loner.headers).json["matching_scope"] == "network"


def test_leaving_the_last_programme_opens_matching_to_the_network_again(client, diabetes_network, org):
    inside, member, outside = diabetes_network
    set_scope(client, inside, "programme")
    client.delete(f"{API}/me/organisations/{org['id']}", headers=inside.headers)
    assert client.get(f"{API}/me", headers=inside.headers).json["matching_scope"] == "network"
    assert set(match_ids(client, inside)) == {member.id, outside.id}


# Privacy

def test_the_export_lists_a_persons_programmes_and_erasure_removes_them(client, people, org, org_moderator):
    patient = people.make()
    join(client, org_moderator, org, patient)
    exported = client.get(f"{API}/me/export", headers=patient.headers).json["organisations"]
    assert [(o["organisation_id"], o["name"], o["role"]) for o in exported] == [(org["id"], org["name"], "member")]
    assert client.delete(f"{API}/me", headers=patient.headers).status_code == 204
    members = client.get(f"{API}/organisations/{org['id']}/members", headers=org_moderator.headers).json["items"]
    assert [m["user"]["id"] for m in members] == [org_moderator.id]


def test_an_organisation_moderator_cannot_leave_and_become_network_wide(client, people, org, org_moderator,
                                                                       two_programmes):
    ours, theirs, _ = two_programmes
    elsewhere = file_report(client, people.make(), theirs)
    left = client.delete(f"{API}/me/organisations/{org['id']}", headers=org_moderator.headers)
    assert_problem(left, 403)
    assert elsewhere not in queue_ids(client, org_moderator)


def test_losing_the_last_organisation_also_ends_the_moderator_role(client, people, admin, org, org_moderator,
                                                                    two_programmes):
    ours, theirs, _ = two_programmes
    file_report(client, people.make(), theirs)
    removed = client.delete(f"{API}/organisations/{org['id']}/moderators/{org_moderator.id}", headers=admin.headers)
    assert removed.status_code == 204
    assert_problem(client.get(f"{API}/moderation/reports", headers=org_moderator.headers), 403)


def test_an_organisation_moderator_cannot_act_on_an_outsider_through_a_report_they_filed(
        client, people, org_moderator, two_programmes):
    ours, theirs, _ = two_programmes
    own_report = file_report(client, org_moderator, theirs)
    assert own_report in queue_ids(client, org_moderator)  # in scope by its reporter: they may read it
    for action in ("suspend_user", "warn", "remove_content"):
        refused = client.post(f"{API}/moderation/reports/{own_report}/resolve", json={"action": action},
                              headers=org_moderator.headers)
        assert_problem(refused, 403)
    assert client.get(f"{API}/me", headers=theirs.headers).status_code == 200
    dismissed = client.post(f"{API}/moderation/reports/{own_report}/resolve", json={"action": "dismiss"},
                            headers=org_moderator.headers)
    assert dismissed.status_code == 200


def test_an_organisation_moderator_cannot_delete_messages_between_outsiders(client, people, org_moderator,
                                                                           two_programmes):
    ours, theirs, other_moderator = two_programmes
    conversation = befriend(client, theirs, people.make())
    message = send(client, theirs, conversation, "hello there").json
    assert_problem(client.delete(f"{API}/messages/{message['id']}", headers=org_moderator.headers), 404)
    assert client.delete(f"{API}/messages/{message['id']}", headers=other_moderator.headers).status_code == 204


def without_request_id(problem: dict) -> dict:
    """A refusal is the same whatever was refused; only the request's own id (`instance`) differs."""
    return {key: value for key, value in problem.items() if key != "instance"}
