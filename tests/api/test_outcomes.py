"""GET /moderation/outcomes (JSON, CSV, SVG) and /moderation/programme-metrics over HTTP: who may look, and what leaves."""
from __future__ import annotations

import csv
import io
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest

from api.config import check_production_settings
from models import CheckIn, ConversationMember, Mentorship, Message, Organisation, OrganisationMember, User, db
from services import disclosure
from tests.conftest import assert_problem
from tests.factories import send
from tests.mentoring_helpers import act, make_mentor, request_mentorship

API = "/api/v1"
ENDPOINTS = ("/moderation/outcomes", "/moderation/outcomes.csv", "/moderation/outcomes/chart.svg?instrument=ucla3&measure=total",
             "/moderation/programme-metrics")
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
Q1 = {"period": "2026-Q1"}  # the quarter around T0: figures come one ended calendar quarter at a time


@pytest.fixture
def app(make_app):
    """Exact arithmetic in this file: the noise is switched off here and attacked in test_outcome_disclosure.py."""
    return make_app(OUTCOMES_NOISE=False)


def with_totals(app, pairs: list[tuple[int, int]], organisation_id: str | None = None) -> list[str]:
    """People (written straight to the tables) who checked in twice on UCLA-3, a month apart."""
    with app.app_context():
        ids = []
        for first, latest in pairs:
            person = User(display_name="Someone")
            db.session.add(person)
            db.session.flush()
            db.session.add_all([
                CheckIn(user_id=person.id, instrument="ucla3", answers=[1, 1, 1], scores={"total": first}, created_at=T0),
                CheckIn(user_id=person.id, instrument="ucla3", answers=[1, 1, 1], scores={"total": latest},
                        created_at=T0 + timedelta(days=30))])
            if organisation_id:
                db.session.add(OrganisationMember(organisation_id=organisation_id, user_id=person.id,
                                                  joined_at=T0 - timedelta(days=60)))
            ids.append(person.id)
        db.session.commit()
        return ids


def organisation(app, name: str, moderator=None) -> str:
    with app.app_context():
        org = Organisation(name=name, kind="provider")
        db.session.add(org)
        db.session.flush()
        if moderator is not None:
            db.session.add(OrganisationMember(organisation_id=org.id, user_id=moderator.id, role="moderator"))
        db.session.commit()
        return org.id


def ucla_all(body: dict) -> dict:
    outcome = next(m for m in body["measures"] if m["instrument"] == "ucla3" and m["measure"] == "total")
    return next(g for g in outcome["groups"] if g["group"] == "all")


@pytest.fixture
def staff(people):
    return people.make(roles=("admin",))


def test_outcomes_are_aggregates_with_scope_and_cell_size(client, app, staff):
    ids = with_totals(app, [(8, 5)] * 6 + [(6, 6)] * 4)
    response = client.get(f"{API}/moderation/outcomes", query_string=Q1, headers=staff.headers)
    assert response.status_code == 200
    body = response.json
    assert (body["period"], body["since"], body["until"]) == ("2026-Q1", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
    assert body["min_cell_size"] == 10 and body["scope"]["kind"] == "network"
    assert body["generated_at"].endswith("Z")
    assert ucla_all(body) == {"group": "all", "n": 10, "suppressed": False, "mean_first": 7.2,
                                   "mean_latest": 5.4, "mean_change": -1.8, "direction": "improved"}
    assert not any(person_id in response.get_data(as_text=True) for person_id in ids)


def test_people_who_withdrew_health_consent_leave_the_figures(client, app, staff):
    ids = with_totals(app, [(8, 5)] * 10)
    with app.app_context():
        db.session.get(User, ids[0]).health_consent_withdrawn_at = T0
        db.session.commit()
    assert ucla_all(client.get(f"{API}/moderation/outcomes", query_string=Q1, headers=staff.headers).json)["suppressed"]


def test_groups_under_ten_show_no_figures(client, app, staff):
    with_totals(app, [(8, 5)] * 9)
    assert ucla_all(client.get(f"{API}/moderation/outcomes", query_string=Q1, headers=staff.headers).json) == {
        "group": "all", "n": None, "suppressed": True, "mean_first": None, "mean_latest": None,
        "mean_change": None, "direction": None}


def test_a_quarter_is_applied_and_can_be_asked_for_by_its_bounds(client, app, staff):
    with_totals(app, [(8, 5)] * 10)
    bounds = {"since": "2026-01-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"}
    assert ucla_all(client.get(f"{API}/moderation/outcomes", query_string=bounds, headers=staff.headers).json)["n"] == 10
    later = {"period": "2026-Q2"}
    assert ucla_all(client.get(f"{API}/moderation/outcomes", query_string=later, headers=staff.headers).json)["suppressed"]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("window", [
    {"since": "2026-03-15T00:00:00Z"},                                         # open-ended: grows with every check-in
    {"since": "2026-03-15T00:00:00Z", "until": "2026-03-16T00:00:00Z"},        # one day: one person's answers
    {"since": "2026-03-15T00:00:00Z", "until": "2026-03-01T00:00:00Z"},        # backwards
    {"since": "2025-10-01T00:00:00Z", "until": "2026-04-01T00:00:00Z"},        # two quarters overlap one
    {"period": "2026-Q7"}, {"period": "last-week"}, {"period": "2999-Q1"},     # not a quarter, or not over
])
def test_an_arbitrary_window_is_refused_with_a_clear_422(client, staff, path, window):
    separator = "&" if "?" in path else "?"
    query = "&".join(f"{key}={value}" for key, value in window.items()).replace("+", "%2B")
    problem = assert_problem(client.get(f"{API}{path}{separator}{query}", headers=staff.headers), 422)
    assert set(problem["errors"]) & {"period", "since"} and "quarter" in str(problem["errors"])


@pytest.mark.parametrize("edge", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"])
def test_a_time_with_no_utc_equivalent_is_422(client, staff, edge):
    response = client.get(f"{API}/moderation/programme-metrics", query_string={"until": edge}, headers=staff.headers)
    assert_problem(response, 422)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_patients_are_refused(client, people, path):
    assert_problem(client.get(API + path, headers=people.make().headers), 403)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_moderator_asking_for_an_organisation_they_do_not_moderate_gets_404(client, app, people, path):
    moderator = people.make(roles=("moderator",))
    organisation(app, "Trust A", moderator)
    other = organisation(app, "Charity B")
    separator = "&" if "?" in path else "?"
    assert_problem(client.get(f"{API}{path}{separator}organisation_id={other}", headers=moderator.headers), 404)
    assert_problem(client.get(f"{API}{path}{separator}organisation_id={uuid.uuid4()}", headers=moderator.headers), 404)


def test_a_moderator_sees_their_organisation_and_an_admin_sees_any(client, app, people, staff):
    moderator = people.make(roles=("moderator",))
    org_a = organisation(app, "Trust A", moderator)
    org_b = organisation(app, "Charity B")
    with_totals(app, [(8, 5)] * 10, org_a)
    with_totals(app, [(3, 9)] * 10, org_b)
    own = client.get(f"{API}/moderation/outcomes", query_string=Q1, headers=moderator.headers).json
    assert (ucla_all(own)["n"], ucla_all(own)["mean_change"]) == (10, -3)
    assert own["scope"] == {"kind": "moderated_organisations", "description": "Organisations you moderate: Trust A",
                            "organisation_ids": [org_a]}
    network = client.get(f"{API}/moderation/outcomes", query_string=Q1, headers=staff.headers).json
    assert ucla_all(network)["n"] == 20
    only_b = client.get(f"{API}/moderation/outcomes", query_string={"organisation_id": org_b, **Q1},
                        headers=staff.headers)
    assert ucla_all(only_b.json)["mean_change"] == 6


def test_csv_export_opens_in_a_spreadsheet(client, app, staff):
    with_totals(app, [(8, 5)] * 10)
    response = client.get(f"{API}/moderation/outcomes.csv", query_string=Q1, headers=staff.headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="peerless-outcomes-')
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    everyone = next(r for r in rows if r["instrument"] == "ucla3" and r["group"] == "Everyone")
    assert (everyone["people"], everyone["mean_change"], everyone["scope"]) == ("10", "-3.0", "The whole network")
    assert next(r for r in rows if r["group"] == "With peer support")["people"] == "<10"


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_no_csv_cell_but_a_number_starts_like_a_formula(client, app, people):
    moderator = people.make(roles=("moderator",))
    org = organisation(app, "=HYPERLINK(\"http://evil.example\")", moderator)
    with_totals(app, [(8, 5)] * 10, org)
    text = client.get(f"{API}/moderation/outcomes.csv", query_string={"organisation_id": org, **Q1},
                      headers=moderator.headers).get_data().decode("utf-8-sig")
    cells = [value for row in csv.reader(io.StringIO(text)) for value in row]
    assert "-3.0" in cells  # negative numbers stay numbers
    assert not [v for v in cells if v[:1] in ("=", "+", "-", "@") and not is_number(v)]


def test_chart_is_svg_with_no_external_references(client, app, staff):
    with_totals(app, [(8, 5)] * 10)
    response = client.get(f"{API}/moderation/outcomes/chart.svg", query_string={"instrument": "ucla3", "measure": "total"},
                          headers=staff.headers)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    text = response.get_data(as_text=True)
    root = ET.fromstring(text)
    assert root.find("{http://www.w3.org/2000/svg}title") is not None
    assert "href" not in text and "url(" not in text and "fewer than 10 people" in text


def test_chart_of_an_unknown_measure_is_422(client, staff):
    response = client.get(f"{API}/moderation/outcomes/chart.svg", query_string={"instrument": "ucla3", "measure": "nope"},
                          headers=staff.headers)
    assert assert_problem(response, 422)["errors"] == {"measure": ["Unknown measure; one of total."]}
    assert_problem(client.get(f"{API}/moderation/outcomes/chart.svg", query_string={"instrument": "ucla3"},
                              headers=staff.headers), 422)


def test_programme_metrics_withhold_small_groups(client, staff):
    body = client.get(f"{API}/moderation/programme-metrics", headers=staff.headers).json
    assert body["match_requests"] is None and "match_requests" in body["suppressed"]
    assert body["mentor_load"] == dict.fromkeys(("mentors", "capacity", "active_mentorships", "load",
                                                  "at_or_over_capacity", "below_capacity"))


def test_csv_and_svg_types_are_documented(client):
    paths = client.get(f"{API}/openapi.json").json["paths"]
    assert "text/csv" in paths[f"{API}/moderation/outcomes.csv"]["get"]["responses"]["200"]["content"]
    assert "image/svg+xml" in paths[f"{API}/moderation/outcomes/chart.svg"]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize("size, refused", [(9, True), (10, False), (25, False)])
def test_production_refuses_a_minimum_cell_under_ten(size, refused):
    config = {"PEERLESS_ENV": "production", "JWT_SECRET_KEY": "x" * 40, "OUTCOMES_MIN_CELL": size}
    if refused:
        with pytest.raises(RuntimeError, match="OUTCOMES_MIN_CELL"):
            check_production_settings(config)
    else:
        check_production_settings(config)


def into_the_last_quarter(app) -> dict:
    """Move what the API just wrote (stamped with the real clock) back into the latest ended quarter,
    keeping every interval, since figures cover ended quarters only; returns that period's query."""
    last = disclosure.completed_quarters(datetime.now(timezone.utc), 1)[0]
    shift = datetime.now(timezone.utc) - (last.since + timedelta(days=1))
    columns = {CheckIn: ["created_at"], ConversationMember: ["joined_at", "left_at"], Message: ["created_at"],
               Mentorship: ["created_at", "expires_at", "responded_at", "started_at", "ended_at"]}
    with app.app_context():
        for model, names in columns.items():
            for row in db.session.query(model):
                for name in names:
                    if getattr(row, name) is not None:
                        setattr(row, name, getattr(row, name) - shift)
        db.session.commit()
    return {"period": last.label}


def test_check_ins_and_a_circle_taken_through_the_api_count_as_peer_support(make_app, people):
    # Cells of one person shown, so a single person's path through the real endpoints can be followed.
    app = make_app(OUTCOMES_MIN_CELL=1, OUTCOMES_NOISE=False)
    client = app.test_client()
    staff, host, joiner, alone = (people.make(roles=roles) for roles in (("admin",), ("mentor",), (), ()))
    circle = client.post(f"{API}/groups", json={"name": "Evenings", "visibility": "public"}, headers=host.headers).json
    for person, first, latest in ((joiner, [3, 3, 3], [1, 2, 1]), (alone, [1, 1, 1], [2, 2, 2])):
        assert client.post(f"{API}/check-ins", json={"instrument": "ucla3", "answers": first},
                           headers=person.headers).status_code == 201
        if person is joiner:
            assert client.post(f"{API}/groups/{circle['id']}/join", headers=joiner.headers).status_code == 200
        assert client.post(f"{API}/check-ins", json={"instrument": "ucla3", "answers": latest},
                           headers=person.headers).status_code == 201
    period = into_the_last_quarter(app)
    groups = {g["group"]: g for g in next(m for m in client.get(f"{API}/moderation/outcomes", query_string=period,
                                                                headers=staff.headers)
                                          .json["measures"] if m["instrument"] == "ucla3")["groups"]}
    assert (groups["with_peer_support"]["n"], groups["with_peer_support"]["mean_change"]) == (1, -5)
    assert (groups["without_peer_support"]["n"], groups["without_peer_support"]["mean_change"]) == (1, 3)


def test_a_mentorship_accepted_through_the_api_counts_and_its_reply_is_timed(make_app, people):
    app = make_app(OUTCOMES_MIN_CELL=1, OUTCOMES_NOISE=False)
    client = app.test_client()
    staff, mentee, alone = people.make(roles=("admin",)), people.make(), people.make()
    mentor = make_mentor(client, people)

    def post(answers, person=mentee):
        return client.post(f"{API}/check-ins", json={"instrument": "ucla3", "answers": answers}, headers=person.headers)

    assert post([3, 3, 3]).status_code == post([1, 1, 1], alone).status_code == post([1, 1, 1], alone).status_code == 201
    mentorship = request_mentorship(client, mentee, mentor).json
    conversation_id = act(client, mentor, mentorship["id"], "accept").json["conversation_id"]
    assert send(client, mentor, conversation_id, "Welcome!").status_code == 201
    assert post([2, 2, 2]).status_code == 201
    period = into_the_last_quarter(app)
    body = client.get(f"{API}/moderation/outcomes", query_string=period, headers=staff.headers).json
    groups = {g["group"]: g for g in next(m for m in body["measures"] if m["instrument"] == "ucla3")["groups"]}
    assert (groups["with_peer_support"]["n"], groups["without_peer_support"]["n"]) == (1, 1)
    metrics = client.get(f"{API}/moderation/programme-metrics", query_string=period, headers=staff.headers).json
    assert (metrics["match_requests"], metrics["acceptance_rate"], metrics["expiry_rate"]) == (1, 1.0, 0.0)
    assert 0 <= metrics["median_hours_to_decision"] <= metrics["median_hours_to_first_reply"] < 0.1
    assert (metrics["mentor_load"]["mentors"], metrics["mentor_load"]["active_mentorships"]) == (1, 1)
