"""Course tutors: accredited mentors apply, moderators in scope decide, the accreditation expires."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from models import TutorAccreditation, db, utcnow
from tests.conftest import assert_problem
from tests.course_helpers import API, TRAINING, course_body, make_tutor
from tests.mentoring_helpers import make_mentor


def apply(client, person):
    return client.post(f"{API}/tutor-applications", json={"training": TRAINING}, headers=person.headers)


def test_only_accredited_mentors_may_apply(client, people):
    assert_problem(apply(client, people.make()), 403, "permission_denied")


def test_a_moderator_approves_and_the_tutor_is_told(client, people):
    from tests.mentoring_helpers import inbox

    moderator = people.make(roles=("moderator",))
    mentor = make_mentor(client, people, moderator=moderator)
    application = apply(client, mentor).json
    assert application["status"] == "pending"
    assert_problem(apply(client, mentor), 409)  # one open application at a time
    listed = client.get(f"{API}/moderation/tutor-applications", headers=moderator.headers).json["items"]
    assert [a["id"] for a in listed] == [application["id"]]
    decided = client.post(f"{API}/moderation/tutor-applications/{application['id']}/decision",
                          json={"decision": "approve"}, headers=moderator.headers)
    assert decided.json["status"] == "approved"
    assert inbox(client, mentor, "tutor_application_approved")
    assert_problem(client.post(f"{API}/moderation/tutor-applications/{application['id']}/decision",
                               json={"decision": "reject"}, headers=moderator.headers), 409)


def test_a_moderator_of_another_organisation_cannot_see_or_decide(client, people):
    admin = people.make(roles=("admin",))
    org = client.post(f"{API}/organisations", json={"name": "Elsewhere", "kind": "charity"}, headers=admin.headers).json
    other_mod = people.make(roles=("moderator",))
    client.post(f"{API}/organisations/{org['id']}/moderators", json={"user_id": other_mod.id}, headers=admin.headers)
    mentor = make_mentor(client, people, moderator=admin)
    application = apply(client, mentor).json
    assert client.get(f"{API}/moderation/tutor-applications", headers=other_mod.headers).json["items"] == []
    assert_problem(client.post(f"{API}/moderation/tutor-applications/{application['id']}/decision",
                               json={"decision": "approve"}, headers=other_mod.headers), 404)


def test_an_expired_tutor_cannot_be_named_on_a_course_until_renewed(app, client, people):
    moderator = people.make(roles=("moderator",))
    tutors = [make_tutor(client, people, moderator), make_tutor(client, people, moderator)]
    with app.app_context():
        db.session.execute(update(TutorAccreditation).where(TutorAccreditation.user_id == tutors[0].id)
                           .values(accredited_until=utcnow() - timedelta(days=1)))
        db.session.commit()
    refused = client.post(f"{API}/courses", json=course_body(tutors), headers=moderator.headers)
    assert "tutor_ids" in assert_problem(refused, 422)["errors"]
    renewed = client.post(f"{API}/moderation/tutors/{tutors[0].id}/renew", headers=moderator.headers)
    assert renewed.status_code == 200 and renewed.json["accredited_until"] > utcnow().isoformat()
    assert client.post(f"{API}/courses", json=course_body(tutors), headers=moderator.headers).status_code == 201


def test_people_who_are_not_staff_cannot_decide_or_renew(client, people):
    moderator = people.make(roles=("moderator",))
    tutor = make_tutor(client, people, moderator)
    assert_problem(client.post(f"{API}/moderation/tutors/{tutor.id}/renew", headers=tutor.headers), 403)
    assert_problem(client.get(f"{API}/moderation/tutor-applications", headers=tutor.headers), 403)


def test_a_tutor_is_told_once_a_month_before_the_accreditation_ends(app, client, people):
    from services import scheduled
    from tests.mentoring_helpers import inbox

    moderator = people.make(roles=("moderator",))
    tutor = make_tutor(client, people, moderator)
    with app.app_context():
        ends = db.session.get(TutorAccreditation, tutor.id).accredited_until
        assert scheduled.warn_expiring_tutor_accreditations(ends - timedelta(days=40)) == 0
        assert scheduled.warn_expiring_tutor_accreditations(ends - timedelta(days=20)) == 1
        assert scheduled.warn_expiring_tutor_accreditations(ends - timedelta(days=19)) == 0
    assert inbox(client, tutor, "tutor_accreditation_expiring")
