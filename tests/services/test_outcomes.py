"""Outcomes and programme metrics, computed from rows written at chosen times (the clock is the data)."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import (
    CheckIn, Conversation, ConversationMember, MentorProfile, Mentorship, Message, Organisation, OrganisationMember,
    User, UserRole, db,
)
from services import outcome_exports, outcomes
from services.errors import InvalidInputError, NotFoundError, PermissionDeniedError

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
Q1 = "2026-Q1"  # the calendar quarter around T0: figures are reported one ended quarter at a time


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def ctx(make_app):
    """Exact arithmetic: these tests check the computation, so the noise (tested on its own) is off."""
    with make_app(OUTCOMES_NOISE=False).app_context():
        yield


@pytest.fixture
def small_cells(make_app):
    """Cells of one person are shown: lets a test look at a single person's figures."""
    with make_app(OUTCOMES_MIN_CELL=1, OUTCOMES_NOISE=False).app_context():
        yield


def user(*roles: str) -> User:
    person = User(display_name="Someone", role_rows=[UserRole(role=role) for role in roles])
    db.session.add(person)
    db.session.flush()
    return person


def check_in(person: User, at: datetime, instrument: str = "ucla3", **scores) -> None:
    db.session.add(CheckIn(user_id=person.id, instrument=instrument, answers=[1, 1, 1], scores=scores or {"total": 3},
                           created_at=at))
    db.session.flush()


def people_with_totals(pairs, instrument="ucla3") -> list[User]:
    """One person per (first, latest) total, checking in on day 0 and day 30."""
    made = []
    for first, latest in pairs:
        person = user()
        check_in(person, day(0), instrument, total=first)
        check_in(person, day(30), instrument, total=latest)
        made.append(person)
    return made


def mentored(person: User, start: datetime | None, end: datetime | None = None, status="active") -> Mentorship:
    mentor = user("mentor")
    mentorship = Mentorship(mentor_id=mentor.id, mentee_id=person.id, status=status, created_at=day(-10),
                            expires_at=day(-7), started_at=start, ended_at=end)
    db.session.add(mentorship)
    db.session.flush()
    return mentorship


def in_circle(person: User, joined: datetime, left: datetime | None = None) -> None:
    conversation = Conversation(kind="group", title="Circle")
    db.session.add(conversation)
    db.session.flush()
    db.session.add(ConversationMember(conversation_id=conversation.id, user_id=person.id, joined_at=joined, left_at=left))
    db.session.flush()


def cell(result, group: str, instrument="ucla3", measure="total"):
    outcome = next(o for o in result.measures if o.instrument == instrument and o.measure == measure)
    return next(c for c in outcome.groups if c.group == group)


def admin() -> User:
    return user("admin")


# --- the change computation --------------------------------------------------------------------------------

def test_mean_change_is_latest_minus_first_averaged_over_people(ctx):
    pairs = [(9, 3), (8, 6), (7, 7), (6, 8), (9, 5), (5, 4), (9, 9), (8, 3), (7, 6), (6, 3)]
    people_with_totals(pairs)
    everyone = cell(outcomes.summary(admin(), period=Q1), "all")
    # first: 74/10, latest: 54/10, change: (-6 -2 +0 +2 -4 -1 +0 -5 -1 -3)/10 = -20/10
    assert (everyone.n, everyone.mean_first, everyone.mean_latest, everyone.mean_change) == (10, 7.4, 5.4, -2.0)
    assert everyone.direction == "improved"  # UCLA loneliness: lower is better


def test_the_latest_check_in_counts_not_the_second(small_cells):
    person = user()
    check_in(person, day(0), total=9)
    check_in(person, day(10), total=8)
    check_in(person, day(20), total=4)
    everyone = cell(outcomes.summary(admin(), period=Q1), "all")
    assert (everyone.mean_first, everyone.mean_latest) == (9, 4)


def test_people_with_a_single_check_in_are_left_out(small_cells):
    people_with_totals([(6, 4)])
    check_in(user(), day(5), total=9)
    assert cell(outcomes.summary(admin(), period=Q1), "all").n == 1


def test_order_is_by_check_in_time_not_insertion(small_cells):
    person = user()
    check_in(person, day(30), total=3)
    check_in(person, day(0), total=9)
    assert cell(outcomes.summary(admin(), period=Q1), "all").mean_change == -6


def test_ons4_measures_are_separate_and_anxiety_is_better_lower(small_cells):
    person = user()
    check_in(person, day(0), "ons4", life_satisfaction=4, worthwhile=5, happiness=6, anxiety=7)
    check_in(person, day(9), "ons4", life_satisfaction=6, worthwhile=5, happiness=5, anxiety=4)
    result = outcomes.summary(admin(), period=Q1)
    changes = {m: (cell(result, "all", "ons4", m).mean_change, cell(result, "all", "ons4", m).direction)
               for m in ("life_satisfaction", "worthwhile", "happiness", "anxiety")}
    assert changes == {"life_satisfaction": (2, "improved"), "worthwhile": (0, "unchanged"),
                       "happiness": (-1, "worsened"), "anxiety": (-3, "improved")}


def test_the_quarter_picks_first_and_latest_inside_it(small_cells):
    person = user()
    for at, total in ((day(-70), 9), (day(-50), 7), (day(25), 5), (day(40), 3)):  # Dec, Jan, Mar, Apr
        check_in(person, at, total=total)
    inside = cell(outcomes.summary(admin(), period=Q1), "all")
    assert (inside.mean_first, inside.mean_latest) == (7, 5)


def test_since_and_until_on_a_quarters_bounds_ask_for_that_quarter(small_cells):
    people_with_totals([(9, 3)])
    start, end = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2026, 4, 1, tzinfo=timezone.utc)
    result = outcomes.summary(admin(), since=start, until=end)
    assert (result.period, result.since, result.until, cell(result, "all").mean_change) == (Q1, start, end, -6)


@pytest.mark.parametrize("window", [
    {"since": day(5), "until": day(25)},                                     # inside a quarter
    {"since": day(5)}, {"until": day(25)},                                   # open-ended
    {"since": datetime(2025, 10, 1, tzinfo=timezone.utc), "until": datetime(2026, 4, 1, tzinfo=timezone.utc)},
    {"since": datetime(2026, 1, 1, tzinfo=timezone.utc), "until": datetime(2026, 1, 1, tzinfo=timezone.utc)},
    {"period": "2026-Q5"}, {"period": "2026-3"}, {"period": "1850-Q1"},
    {"period": Q1, "since": datetime(2026, 1, 1, tzinfo=timezone.utc)},
    {"period": f"{datetime.now(timezone.utc).year + 1}-Q1"},                # not over yet
])
def test_arbitrary_windows_are_refused(ctx, window):
    with pytest.raises(InvalidInputError):
        outcomes.summary(admin(), **window)
    with pytest.raises(InvalidInputError):
        outcomes.programme_metrics(admin(), **window)


def test_without_a_period_the_latest_ended_quarter_is_reported(ctx):
    result = outcomes.summary(admin())
    now = datetime.now(timezone.utc)
    assert result.until <= now < result.until + timedelta(days=93) and result.period.startswith(str(result.since.year))


# --- the peer support split --------------------------------------------------------------------------------

@pytest.mark.parametrize("support, expected", [
    (lambda p: mentored(p, day(10)), "with"),                          # started between the check-ins
    (lambda p: mentored(p, day(-20), day(5), status="ended"), "with"),  # ended after the first check-in
    (lambda p: mentored(p, day(-20), day(-1), status="ended"), "without"),  # over before the first
    (lambda p: mentored(p, day(31)), "without"),                       # started after the latest
    (lambda p: mentored(p, None, status="declined"), "without"),      # never started
    (lambda p: in_circle(p, day(3)), "with"),
    (lambda p: in_circle(p, day(-30), day(-2)), "without"),             # left before the first check-in
    (lambda p: None, "without"),
])
def test_peer_support_means_a_mentorship_or_circle_place_between_first_and_latest(small_cells, support, expected):
    # One person in each group already, so that neither half is empty (an empty half hides the other).
    helped, alone, person = people_with_totals([(8, 5)] * 3)
    in_circle(helped, day(1))
    support(person)
    result = outcomes.summary(admin(), period=Q1)
    other = {"with": "without", "without": "with"}[expected]
    assert (cell(result, f"{expected}_peer_support").n, cell(result, f"{other}_peer_support").n) == (2, 1)


def test_being_a_mentor_is_not_receiving_peer_support(small_cells):
    helped, person = people_with_totals([(8, 5)] * 2)
    in_circle(helped, day(1))
    mentee = user()
    db.session.add(Mentorship(mentor_id=person.id, mentee_id=mentee.id, status="active", created_at=day(1),
                              expires_at=day(4), started_at=day(2)))
    assert cell(outcomes.summary(admin(), period=Q1), "without_peer_support").n == 1


# --- suppression -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("people, shown", [(9, False), (10, True)])
def test_cells_under_ten_people_are_suppressed(ctx, people, shown):
    people_with_totals([(8, 5)] * people)
    everyone = cell(outcomes.summary(admin(), period=Q1), "all")
    assert everyone.suppressed is not shown
    assert (everyone.n, everyone.mean_change) == ((10, -3) if shown else (None, None))


def test_a_small_half_hides_the_other_half_too(ctx):
    supported = people_with_totals([(8, 5)] * 3)
    for person in supported:
        mentored(person, day(5))
    people_with_totals([(7, 7)] * 12)
    result = outcomes.summary(admin(), period=Q1)
    assert cell(result, "with_peer_support").suppressed and cell(result, "without_peer_support").suppressed
    assert cell(result, "without_peer_support").mean_change is None
    assert (cell(result, "all").n, cell(result, "all").suppressed) == (15, False)


def test_both_halves_are_shown_when_both_are_large_enough(ctx):
    for person in people_with_totals([(8, 5)] * 10):
        in_circle(person, day(1))
    people_with_totals([(7, 7)] * 10)
    result = outcomes.summary(admin(), period=Q1)
    assert (cell(result, "with_peer_support").mean_change, cell(result, "without_peer_support").mean_change) == (-3, 0)
    assert cell(result, "all").mean_change == -1.5


@given(st.integers(0, 40), st.integers(0, 40))
def test_no_hidden_half_can_be_recovered_from_the_total(with_n, without_n):
    counts = {outcomes.WITH: with_n, outcomes.WITHOUT: without_n, outcomes.ALL: with_n + without_n}
    hidden = outcomes.suppressed_groups(counts, 10)
    assert all(group in hidden for group, n in counts.items() if n < 10)
    if outcomes.ALL not in hidden:
        assert (outcomes.WITH in hidden) == (outcomes.WITHOUT in hidden)


# --- scope -------------------------------------------------------------------------------------------------

def organisation(name: str, members: list[User], moderator: User | None = None) -> Organisation:
    org = Organisation(name=name, kind="charity")
    db.session.add(org)
    db.session.flush()
    db.session.add_all([OrganisationMember(organisation_id=org.id, user_id=m.id, joined_at=day(-60)) for m in members])
    if moderator is not None:
        db.session.add(OrganisationMember(organisation_id=org.id, user_id=moderator.id, role="moderator"))
    db.session.flush()
    return org


def test_a_moderator_sees_only_their_organisations_members(small_cells):
    in_a, in_b = people_with_totals([(8, 6)] * 2), people_with_totals([(5, 9)] * 3)
    moderator = user("moderator")
    org_a = organisation("Trust A", in_a, moderator)
    organisation("Charity B", in_b)
    own = outcomes.summary(moderator, period=Q1)
    assert (cell(own, "all").n, cell(own, "all").mean_change) == (2, -2)
    assert own.scope.kind == "moderated_organisations" and own.scope.organisation_ids == [org_a.id]
    assert cell(outcomes.summary(moderator, organisation_id=org_a.id, period=Q1), "all").n == 2


def test_a_moderator_asking_for_another_organisation_gets_not_found(small_cells):
    moderator = user("moderator")
    organisation("Trust A", [], moderator)
    org_b = organisation("Charity B", people_with_totals([(5, 9)]))
    with pytest.raises(NotFoundError):
        outcomes.summary(moderator, organisation_id=org_b.id)
    with pytest.raises(NotFoundError):
        outcomes.programme_metrics(moderator, organisation_id=org_b.id)


def test_admins_and_global_moderators_see_the_network_or_any_organisation(small_cells):
    people_with_totals([(8, 6)] * 2)
    org_b = organisation("Charity B", people_with_totals([(5, 9)] * 3))
    for staff in (admin(), user("moderator")):
        assert cell(outcomes.summary(staff, period=Q1), "all").n == 5
        assert outcomes.summary(staff, period=Q1).scope.kind == "network"
        assert cell(outcomes.summary(staff, organisation_id=org_b.id, period=Q1), "all").n == 3


def test_patients_and_mentors_may_not_look(ctx):
    for person in (user(), user("mentor")):
        with pytest.raises(PermissionDeniedError):
            outcomes.summary(person)
        with pytest.raises(PermissionDeniedError):
            outcomes.programme_metrics(person)


def test_every_look_is_audited(ctx):
    from models import AuditEntry
    staff = admin()
    outcomes.summary(staff, period=Q1)
    entry = db.session.query(AuditEntry).filter_by(actor_id=staff.id).one()
    assert (entry.action, entry.details) == ("outcomes.read", {
        "period": Q1, "since": "2026-01-01T00:00:00+00:00", "until": "2026-04-01T00:00:00+00:00"})


# --- programme metrics -------------------------------------------------------------------------------------

def request(mentee: User, mentor: User, *, status: str, at: datetime, answered_after_h: float | None = None,
            reply_after_h: float | None = None, conversation: Conversation | None = None) -> Mentorship:
    responded = at + timedelta(hours=answered_after_h) if answered_after_h is not None else None
    started = responded if status in ("active", "ended") else None
    mentorship = Mentorship(mentor_id=mentor.id, mentee_id=mentee.id, status=status, created_at=at,
                            expires_at=at + timedelta(hours=72), responded_at=responded, started_at=started,
                            conversation_id=conversation.id if conversation else None)
    db.session.add(mentorship)
    if reply_after_h is not None:
        db.session.add(Message(conversation_id=conversation.id, seq=1, sender_id=mentor.id, client_msg_id="m1",
                               body="hello", created_at=at + timedelta(hours=reply_after_h)))
    db.session.flush()
    return mentorship


def mentor_with(capacity: int, active: int) -> User:
    mentor = user("mentor")
    db.session.add(MentorProfile(user_id=mentor.id, capacity=capacity, accredited_until=day(400)))
    for _ in range(active):
        request(user(), mentor, status="active", at=day(-5), answered_after_h=1)
    return mentor


def test_programme_metrics_against_a_hand_built_scenario(small_cells):
    mentor = user("mentor")
    # A mentee the mentor first wrote to 5 h after a 2 h acceptance; an earlier message from
    # before the acceptance (an old connection's chat) does not count as a reply.
    chat = Conversation(kind="direct")
    db.session.add(chat)
    db.session.flush()
    db.session.add(Message(conversation_id=chat.id, seq=0, sender_id=mentor.id, client_msg_id="old", body="hi",
                           created_at=day(-30)))
    request(user(), mentor, status="active", at=day(1), answered_after_h=2, reply_after_h=5, conversation=chat)
    request(user(), mentor, status="ended", at=day(2), answered_after_h=4)       # accepted, never wrote
    request(user(), mentor, status="declined", at=day(3), answered_after_h=10)
    request(user(), mentor, status="expired", at=day(4))
    request(user(), mentor, status="requested", at=day(5))
    request(user(), mentor, status="declined", at=day(-70), answered_after_h=1)  # the quarter before
    metrics = outcomes.programme_metrics(admin(), period=Q1)
    assert metrics.match_requests == 5
    assert metrics.acceptance_rate == round(2 / 3, 3)
    assert metrics.expiry_rate == 0.2
    assert metrics.median_hours_to_decision == 4
    assert metrics.median_hours_to_first_reply == 5
    assert not [name for name in metrics.suppressed if not name.startswith("mentor_load.")]  # no mentor profiles here


def test_mentor_load_against_capacity(small_cells):
    mentor_with(capacity=3, active=3)
    mentor_with(capacity=2, active=1)
    mentor_with(capacity=4, active=0)
    expired = mentor_with(capacity=5, active=0)
    db.session.get(MentorProfile, expired.id).accredited_until = day(-1)
    load = outcomes.programme_metrics(admin(), period=Q1).mentor_load
    assert (load.mentors, load.capacity, load.active_mentorships, load.load) == (3, 9, 4, 0.444)
    assert (load.at_or_over_capacity, load.below_capacity) == (1, 2)


def test_programme_figures_about_fewer_than_ten_people_are_withheld(ctx):
    mentor = user("mentor")
    for n in range(9):
        request(user(), mentor, status="declined", at=day(n), answered_after_h=1)
    for _ in range(10):
        mentor_with(capacity=2, active=0)
    metrics = outcomes.programme_metrics(admin(), period=Q1)
    assert (metrics.match_requests, metrics.acceptance_rate, metrics.median_hours_to_decision) == (None, None, None)
    assert {"match_requests", "acceptance_rate", "expiry_rate", "median_hours_to_decision"} <= set(metrics.suppressed)
    # Ten mentors are shown, but "0 at capacity / 10 below" splits them into a group under ten: both go.
    assert metrics.mentor_load.mentors == 10
    assert (metrics.mentor_load.at_or_over_capacity, metrics.mentor_load.below_capacity) == (None, None)


# --- exports -----------------------------------------------------------------------------------------------

def test_csv_has_a_header_and_one_row_per_instrument_measure_and_group(ctx):
    people_with_totals([(8, 5)] * 10)
    text = outcome_exports.to_csv(outcomes.summary(admin(), period=Q1))
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    ucla = {r["group"]: r for r in rows if r["instrument"] == "ucla3"}
    assert ucla["Everyone"]["people"] == "10" and ucla["Everyone"]["mean_change"] == "-3.0"
    assert ucla["With peer support"]["people"] == "<10" and ucla["With peer support"]["mean_change"] == ""
    measures = sum(len(i.measures) for i in outcomes.INSTRUMENTS.values())
    assert len(rows) == 3 * measures


def test_csv_neutralises_text_a_spreadsheet_would_run_as_a_formula(ctx):
    result = outcomes.summary(admin(), period=Q1)
    hostile = replace(result, scope=outcomes.Scope("organisation", '=HYPERLINK("http://evil.example")', []))
    rows = list(csv.reader(io.StringIO(outcome_exports.to_csv(hostile).lstrip("\ufeff"))))
    assert {row[0] for row in rows[1:]} == {"'=HYPERLINK(\"http://evil.example\")"}
    assert [outcome_exports._neutralise(v) for v in ("+1", "@SUM(A1)", "-2+3", "\t=1", "Trust A")] \
        == ["'+1", "'@SUM(A1)", "'-2+3", "'\t=1", "Trust A"]


def test_csv_keeps_negative_changes_as_numbers(ctx):
    people_with_totals([(8, 5)] * 10)
    rows = list(csv.DictReader(io.StringIO(outcome_exports.to_csv(outcomes.summary(admin(), period=Q1)).lstrip("\ufeff"))))
    assert {r["mean_change"] for r in rows if r["instrument"] == "ucla3" and r["group"] == "Everyone"} == {"-3.0"}


def svg_root(text: str) -> ET.Element:
    return ET.fromstring(text)


def test_chart_is_well_formed_accessible_and_self_contained(ctx):
    people_with_totals([(8, 5)] * 10)
    text = outcome_exports.chart_svg(outcomes.summary(admin(), period=Q1), "ucla3", "total")
    root = svg_root(text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    assert "mean first and latest" in root.find(f"{ns}title").text
    assert "Everyone: 10 people, mean first 8.0, mean latest 5.0" in root.find(f"{ns}desc").text
    assert text.count("fewer than 10 people") >= 2  # both halves of the split withheld
    for element in root.iter():
        assert element.tag.removeprefix(ns) not in ("image", "use", "script", "foreignObject", "a", "style")
        assert not any("href" in name for name in element.attrib)
        assert not any("url(" in value for value in element.attrib.values())


def test_chart_escapes_the_scope_description(ctx):
    moderator = user("moderator")
    organisation("<script>alert(1)</script> & Co", [], moderator)
    text = outcome_exports.chart_svg(outcomes.summary(moderator, period=Q1), "ucla3", "total")
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in text
    assert "<script>" in svg_root(text).find("{http://www.w3.org/2000/svg}desc").text  # as text, not markup


def test_chart_of_an_unknown_instrument_or_measure_is_invalid_input(ctx):
    result = outcomes.summary(admin(), period=Q1)
    with pytest.raises(InvalidInputError):
        outcome_exports.chart_svg(result, "nope", "total")
    with pytest.raises(InvalidInputError):
        outcome_exports.chart_svg(result, "ons4", "total")


@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=1, max_size=60))
def test_a_cells_mean_change_is_its_latest_mean_minus_its_first_mean(pairs):
    shown = outcomes._cell(outcomes.ALL, pairs, True, hidden=False)
    assert shown.n == len(pairs)
    assert abs(shown.mean_change - (shown.mean_latest - shown.mean_first)) <= 0.011  # each rounded to 2 places
    assert shown.direction == ("unchanged" if shown.mean_change == 0 else
                               "improved" if shown.mean_change > 0 else "worsened")
