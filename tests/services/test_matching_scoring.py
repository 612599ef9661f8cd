"""Scoring, one factor at a time: each factor alone, then how score() puts them together."""
from __future__ import annotations

from services.matching import scoring
from services.matching.scoring import WEIGHTS, ConditionFacts, MentorFacts, Person

T1D, T2D, DIABETES, ASTHMA = "t1d", "t2d", "diabetes", "asthma"


def condition(condition_id=T1D, *, year=None, treatments=()) -> ConditionFacts:
    names = {T1D: ("Type 1 diabetes", DIABETES), T2D: ("Type 2 diabetes", DIABETES), ASTHMA: ("Asthma", "lungs")}
    name, parent = names[condition_id]
    parent_name = {DIABETES: "Diabetes", "lungs": "Lung conditions"}[parent]
    return ConditionFacts(condition_id, name, parent, parent_name, year, list(treatments))


def person(*conditions, languages=("en",), region=None, timezone=None, id_="p") -> Person:
    return Person(id_, list(languages), region, timezone, list(conditions) or [condition()])


def mentor_facts(*, support_types=("chat",), availability=(), median_response_hours=None, rating_count=0,
                 rating_mean=None) -> MentorFacts:
    return MentorFacts(list(support_types), list(availability), median_response_hours, rating_count, rating_mean)


# condition_overlap

def test_the_same_condition_scores_full_condition_points_and_names_it():
    (points, reason), mine, theirs = scoring.condition_overlap(person(), person(), {T1D})
    assert (points, reason) == (WEIGHTS["same_condition"], "Also lives with Type 1 diabetes")
    assert mine.condition_id == theirs.condition_id == T1D


def test_a_condition_in_the_same_group_scores_group_points_and_names_the_group():
    (points, reason), _, _ = scoring.condition_overlap(person(condition(T1D)), person(condition(T2D)), {T1D})
    assert points == WEIGHTS["same_condition_group"]
    assert reason == "Lives with a condition in the same group (Diabetes)"


def test_the_same_condition_beats_the_same_group():
    assert WEIGHTS["same_condition"] > WEIGHTS["same_condition_group"]
    candidate = person(condition(T2D), condition(T1D))
    (points, _), _, theirs = scoring.condition_overlap(person(condition(T1D)), candidate, {T1D})
    assert points == WEIGHTS["same_condition"] and theirs.condition_id == T1D


def test_someone_who_listed_the_group_itself_counts_as_the_same_group():
    group = ConditionFacts(DIABETES, "Diabetes", None, None, None)
    (points, _), _, _ = scoring.condition_overlap(person(condition(T1D)), person(group), {T1D})
    assert points == WEIGHTS["same_condition_group"]


def test_an_unrelated_condition_is_no_overlap():
    (points, reason), _, _ = scoring.condition_overlap(person(condition(T1D)), person(condition(ASTHMA)), {T1D})
    assert (points, reason) == (0, None)


def test_overlap_only_counts_the_conditions_in_focus():
    seeker = person(condition(T1D), condition(ASTHMA))
    (points, _), _, _ = scoring.condition_overlap(seeker, person(condition(ASTHMA)), {T1D})
    assert points == 0


# shared_treatments

def test_each_shared_treatment_scores_up_to_two():
    mine = condition(treatments=["Insulin pump", "CGM", "Carb counting"])
    one = scoring.shared_treatments(mine, condition(treatments=["insulin pump"]))
    three = scoring.shared_treatments(mine, condition(treatments=["insulin pump", "cgm", "carb counting"]))
    assert one == (WEIGHTS["shared_treatment"], "Also uses insulin pump")
    assert three[0] == 2 * WEIGHTS["shared_treatment"]


def test_no_shared_treatment_scores_nothing():
    mine, theirs = condition(treatments=["metformin"]), condition(treatments=["insulin"])
    assert scoring.shared_treatments(mine, theirs) == (0, None)


# diagnosis_timing

def test_a_mentor_diagnosed_years_before_scores_up_to_full_points_at_five_years():
    mine = condition(year=2020)
    two = scoring.diagnosis_timing(mine, condition(year=2018), "mentor")
    ten = scoring.diagnosis_timing(mine, condition(year=2010), "mentor")
    assert two == (WEIGHTS["further_along"] * 2 / 5, "Diagnosed 2 years before you")
    assert ten == (WEIGHTS["further_along"], "Diagnosed 10 years before you")


def test_a_mentor_diagnosed_after_you_scores_nothing():
    assert scoring.diagnosis_timing(condition(year=2010), condition(year=2015), "mentor") == (0, None)


def test_a_peer_diagnosed_around_the_same_time_scores():
    assert scoring.diagnosis_timing(condition(year=2015), condition(year=2017), "peer") == (
        WEIGHTS["diagnosed_around_same_time"], "Diagnosed around the same time as you")
    assert scoring.diagnosis_timing(condition(year=2015), condition(year=2010), "peer") == (0, None)


def test_an_unknown_diagnosis_year_scores_nothing():
    assert scoring.diagnosis_timing(condition(year=None), condition(year=2000), "mentor") == (0, None)


# languages

def test_a_shared_language_other_than_english_scores_and_is_named():
    seeker, candidate = person(languages=["en", "pa"]), person(languages=["pa", "en"])
    assert scoring.languages(seeker, candidate) == (WEIGHTS["shared_language_beyond_english"], "Speaks Punjabi")


def test_sharing_only_english_scores_nothing():
    assert scoring.languages(person(languages=["en"]), person(languages=["en", "pl"])) == (0, None)


# place

def test_the_same_region_scores():
    assert scoring.place(person(region="Yorkshire"), person(region="Yorkshire")) == (
        WEIGHTS["same_region"], "Lives in your region")


def test_the_same_timezone_scores_when_the_region_differs():
    seeker = person(region="Yorkshire", timezone="Europe/London")
    candidate = person(region="Kent", timezone="Europe/London")
    assert scoring.place(seeker, candidate) == (WEIGHTS["same_timezone"], "In your time zone")


def test_a_different_place_scores_nothing():
    assert scoring.place(person(region="Kent"), person(region="Fife")) == (0, None)


# nothing hidden

def test_no_factor_reads_what_the_seeker_may_not_see():
    # A birth year is its owner's alone: a weight for it would move a number the seeker sees.
    assert "similar_age" not in WEIGHTS and not hasattr(scoring, "age_band")
    assert "birth_year" not in Person.__dataclass_fields__


# support_offered, availability, responsiveness, rating

def test_offering_the_asked_support_type_scores():
    assert scoring.support_offered(mentor_facts(support_types=["review"]), "review") == (
        WEIGHTS["offers_support_type"], "Offers reviews")
    assert scoring.support_offered(mentor_facts(support_types=["chat"]), "review") == (0, None)
    assert scoring.support_offered(None, "review") == (0, None)


def test_having_set_availability_scores():
    slots = [{"day": "mon", "start": "18:00", "end": "20:00"}]
    assert scoring.availability(mentor_facts(availability=slots)) == (
        WEIGHTS["has_availability"], "Has set regular times to talk")
    assert scoring.availability(mentor_facts()) == (0, None)


def test_answering_within_a_day_scores():
    assert scoring.responsiveness(mentor_facts(median_response_hours=24)) == (
        WEIGHTS["answers_quickly"], "Usually answers within a day")
    assert scoring.responsiveness(mentor_facts(median_response_hours=24.5)) == (0, None)
    assert scoring.responsiveness(mentor_facts(median_response_hours=None)) == (0, None)


def test_a_rating_counts_only_from_three_ratings():
    assert scoring.rating(mentor_facts(rating_count=2, rating_mean=5.0)) == (0, None)
    assert scoring.rating(mentor_facts(rating_count=3, rating_mean=5.0)) == (
        WEIGHTS["rating"], "Rated 5.0 out of 5 by 3 mentees")


def test_a_rating_scales_from_one_to_five():
    assert scoring.rating(mentor_facts(rating_count=4, rating_mean=1.0))[0] == 0
    assert scoring.rating(mentor_facts(rating_count=4, rating_mean=3.0))[0] == WEIGHTS["rating"] / 2


# score()

def test_zero_condition_overlap_means_no_match_whatever_else_is_shared():
    seeker = person(condition(T1D), languages=["en", "pa"], region="Kent")
    candidate = person(condition(ASTHMA), languages=["en", "pa"], region="Kent")
    assert scoring.score(seeker, candidate, kind="mentor", focus={T1D},
                         mentor=mentor_facts(median_response_hours=1)) == (0, [])


def test_score_adds_every_factor_and_lists_reasons_strongest_first():
    seeker = person(condition(T1D, year=2020, treatments=["CGM"]), languages=["en", "pa"], region="Kent")
    candidate = person(condition(T1D, year=2010, treatments=["cgm"]), languages=["pa"], region="Kent")
    mentor = mentor_facts(support_types=["chat"], availability=[{"day": "mon", "start": "09:00", "end": "10:00"}],
                          median_response_hours=2, rating_count=3, rating_mean=5.0)
    points, reasons = scoring.score(seeker, candidate, kind="mentor", focus={T1D}, mentor=mentor,
                                    support_type="chat")
    assert points == sum(WEIGHTS[k] for k in (
        "same_condition", "shared_treatment", "further_along", "shared_language_beyond_english", "same_region",
        "offers_support_type", "has_availability", "answers_quickly", "rating"))
    assert reasons == [
        "Also lives with Type 1 diabetes", "Diagnosed 10 years before you", "Offers a chat",
        "Rated 5.0 out of 5 by 3 mentees", "Also uses cgm", "Lives in your region",
        "Usually answers within a day", "Speaks Punjabi", "Has set regular times to talk",
    ]


def test_score_gives_no_reason_for_a_factor_that_scored_nothing():
    points, reasons = scoring.score(person(condition(T1D)), person(condition(T1D)), kind="peer", focus={T1D})
    assert (points, reasons) == (WEIGHTS["same_condition"], ["Also lives with Type 1 diabetes"])
