"""Aggregates that difference: a programme lead comparing two answers must not get one person's
check-ins back (services/disclosure.py, docs/outcomes.md "Why comparing answers reveals nobody").

Each attack is run twice: with the noise switched off it recovers the victim exactly (so the attack
is real), and as deployed it does not. People have fixed ids, so the noise (a keyed hash of the data)
is the same on every run and the tests are deterministic.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from statistics import fmean

import pytest

from api.config import check_production_settings
from models import CheckIn, Organisation, OrganisationMember, User, UserRole, db
from services import alert_response, disclosure, outcomes

Q1 = "2026-Q1"
T0 = datetime(2026, 2, 1, 9, 0, tzinfo=timezone.utc)
VICTIM = (9, 3)  # the victim's first and latest UCLA-3 totals: a change of -6


def fixed_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def person(n: int, first: int, latest: int, *, organisations=(), joined=T0 - timedelta(days=90)) -> User:
    someone = User(id=fixed_id(n), display_name="Someone")
    db.session.add(someone)
    db.session.flush()
    for days, total in ((0, first), (30, latest)):
        db.session.add(CheckIn(user_id=someone.id, instrument="ucla3", answers=[1, 1, 1], scores={"total": total},
                               created_at=T0 + timedelta(days=days)))
    for organisation in organisations:
        db.session.add(OrganisationMember(organisation_id=organisation.id, user_id=someone.id, joined_at=joined))
    db.session.flush()
    return someone


def organisation(n: int, name: str) -> Organisation:
    org = Organisation(id=fixed_id(900 + n), name=name, kind="charity")
    db.session.add(org)
    db.session.flush()
    return org


def admin() -> User:
    staff = db.session.get(User, fixed_id(999))
    if staff is None:
        staff = User(id=fixed_id(999), display_name="Lead", role_rows=[UserRole(role="admin")])
        db.session.add(staff)
        db.session.commit()
    return staff


def everyone(**query):
    result = outcomes.summary(admin(), **query)
    outcome = next(o for o in result.measures if o.instrument == "ucla3" and o.measure == "total")
    return next(c for c in outcome.groups if c.group == outcomes.ALL)


def recovered_change(bigger, smaller) -> float:
    """The attacker's arithmetic: total change in the bigger answer minus total change in the smaller."""
    return bigger.n * bigger.mean_change - smaller.n * smaller.mean_change


@pytest.fixture
def apps(make_app):
    """The same database seen with the noise off (to show the attack works) and as deployed."""
    return {"exact": make_app(OUTCOMES_NOISE=False), "deployed": make_app()}


def ask(app, **query):
    with app.app_context():
        return everyone(period=Q1, **query)


# --- two scopes that differ by one person ------------------------------------------------------

def test_two_organisations_that_differ_by_one_person_do_not_give_that_person_back(apps):
    with apps["exact"].app_context():
        trust, network = organisation(1, "Trust"), organisation(2, "Trust and friends")
        for n in range(12):
            person(n, 8, 5, organisations=(trust, network))
        person(100, *VICTIM, organisations=(network,))
        db.session.commit()
        ids = {"small": trust.id, "big": network.id}
    exact = {k: ask(apps["exact"], organisation_id=v) for k, v in ids.items()}
    assert recovered_change(exact["big"], exact["small"]) == pytest.approx(VICTIM[1] - VICTIM[0], abs=0.2)  # the attack is real
    shown = {k: ask(apps["deployed"], organisation_id=v) for k, v in ids.items()}
    assert abs(recovered_change(shown["big"], shown["small"]) - (VICTIM[1] - VICTIM[0])) > 1


# --- the same question before and after one person leaves ---------------------------------------

def test_the_same_quarter_before_and_after_someone_leaves_does_not_give_them_back(apps):
    with apps["exact"].app_context():
        for n in range(12):
            person(n, 8, 5)
        person(100, *VICTIM)
        db.session.commit()
    before = {name: ask(app) for name, app in apps.items()}
    with apps["exact"].app_context():  # the victim withdraws consent: they leave the figures
        db.session.get(User, fixed_id(100)).health_consent_withdrawn_at = datetime.now(timezone.utc)
        db.session.commit()
    after = {name: ask(app) for name, app in apps.items()}
    assert recovered_change(before["exact"], after["exact"]) == pytest.approx(VICTIM[1] - VICTIM[0], abs=0.2)
    assert abs(recovered_change(before["deployed"], after["deployed"]) - (VICTIM[1] - VICTIM[0])) > 1


# --- asking again, later, or after others join -------------------------------------------------

def test_asking_again_gives_the_same_answer_so_averaging_learns_nothing(apps):
    with apps["exact"].app_context():
        for n in range(12):
            person(n, 8, 5)
        db.session.commit()
    answers = {ask(apps["deployed"]) for _ in range(5)}
    assert len(answers) == 1
    exact = ask(apps["exact"])
    assert answers.pop() != exact  # and the one answer carries noise


def test_check_ins_after_the_quarter_change_nothing_in_it(apps):
    with apps["exact"].app_context():
        people = [person(n, 8, 5) for n in range(12)]
        before = everyone(period=Q1)
        db.session.add(CheckIn(user_id=people[0].id, instrument="ucla3", answers=[1, 1, 1], scores={"total": 3},
                               created_at=datetime(2026, 4, 2, tzinfo=timezone.utc)))
        db.session.commit()
        assert everyone(period=Q1) == before


def test_joining_an_organisation_later_does_not_rewrite_its_past_quarters(apps):
    with apps["exact"].app_context():
        trust = organisation(1, "Trust")
        for n in range(12):
            person(n, 8, 5, organisations=(trust,))
        db.session.commit()
        trust_id = trust.id
    before = ask(apps["deployed"], organisation_id=trust_id)
    with apps["exact"].app_context():  # someone who checked in during Q1 joins the trust in Q3
        person(100, *VICTIM, organisations=(db.session.get(Organisation, trust_id),),
               joined=datetime(2026, 8, 1, tzinfo=timezone.utc))
        db.session.commit()
    assert ask(apps["deployed"], organisation_id=trust_id) == before


# --- the noise itself ---------------------------------------------------------------------------

def test_shown_figures_stay_plausible(apps):
    with apps["exact"].app_context():
        for n in range(10):
            person(n, 9, 3)  # at the edges of the 3..9 scale, where noise would push means off it
        db.session.commit()
    shown = ask(apps["deployed"])
    assert shown.n >= 10 and 3 <= shown.mean_first <= 9 and 3 <= shown.mean_latest <= 9
    assert shown.mean_change == pytest.approx(shown.mean_latest - shown.mean_first, abs=0.011)


def test_the_noise_has_the_laplace_scale_it_claims(make_app):
    with make_app(OUTCOMES_EPSILON=0.5).app_context():
        draws = [disclosure.laplace(3, "calibration", i) for i in range(4000)]
    assert abs(fmean(draws)) < 0.5
    assert fmean(abs(d) for d in draws) == pytest.approx(3 / 0.5, rel=0.08)  # E|X| = scale for Laplace


def test_the_noise_depends_on_the_secret_key(make_app):
    with make_app(JWT_SECRET_KEY="a" * 40).app_context():
        first = disclosure.laplace(1, "same question")
    with make_app(JWT_SECRET_KEY="b" * 40).app_context():
        second = disclosure.laplace(1, "same question")
    assert first != second


@pytest.mark.parametrize("settings", [{"OUTCOMES_NOISE": False}, {"OUTCOMES_EPSILON": 0}, {"OUTCOMES_EPSILON": 5}])
def test_production_refuses_to_publish_without_noise(settings):
    config = {"PEERLESS_ENV": "production", "JWT_SECRET_KEY": "x" * 40, "OUTCOMES_MIN_CELL": 10} | settings
    with pytest.raises(RuntimeError, match="noise"):
        check_production_settings(config)


# --- time to acknowledge crisis alerts: the same rule for its windows ----------------------------

@pytest.mark.parametrize("since, until, expected", [
    (datetime(2026, 9, 17, tzinfo=timezone.utc), datetime(2026, 10, 3, 12, tzinfo=timezone.utc),
     (datetime(2026, 9, 1, tzinfo=timezone.utc), datetime(2026, 10, 1, tzinfo=timezone.utc))),
    (None, None, (None, datetime(2026, 12, 1, tzinfo=timezone.utc))),              # the current month is not over
    (None, datetime(2027, 5, 1, tzinfo=timezone.utc), (None, datetime(2026, 12, 1, tzinfo=timezone.utc))),
])
def test_alert_response_windows_are_snapped_to_whole_ended_months(ctx_now, since, until, expected):
    assert alert_response.whole_ended_periods(since, until, "month") == expected


@pytest.fixture
def ctx_now(app, monkeypatch):
    monkeypatch.setattr(alert_response, "utcnow", lambda: datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc))
    with app.app_context():
        yield
