"""Check-in instruments: scoring against hand-computed cases, every band boundary, the thresholds,
and validation as a property (any wrong length or value is refused; any valid list scores in range)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.checkins.instruments import INSTRUMENTS, answer_errors, score

# --- scoring, by hand ---------------------------------------------------------------------------


@pytest.mark.parametrize(("instrument", "answers", "expected"), [
    ("ons4", [7, 8, 6, 3], {"life_satisfaction": 7, "worthwhile": 8, "happiness": 6, "anxiety": 3}),
    ("ons4", [0, 0, 0, 0], {"life_satisfaction": 0, "worthwhile": 0, "happiness": 0, "anxiety": 0}),
    ("ons4", [10, 10, 10, 10], {"life_satisfaction": 10, "worthwhile": 10, "happiness": 10, "anxiety": 10}),
    ("ucla3", [1, 1, 1], {"total": 3}),
    ("ucla3", [2, 3, 1], {"total": 6}),
    ("ucla3", [3, 3, 3], {"total": 9}),
    ("phq2", [0, 0], {"total": 0}),
    ("phq2", [1, 2], {"total": 3}),
    ("phq2", [3, 3], {"total": 6}),
    ("gad2", [0, 0], {"total": 0}),
    ("gad2", [2, 0], {"total": 2}),
    ("gad2", [3, 3], {"total": 6}),
])
def test_scores_match_hand_computed_values(instrument, answers, expected):
    assert score(instrument, answers) == expected


def test_ons4_has_no_total_only_its_four_measures():
    assert set(score("ons4", [5, 5, 5, 5])) == {"life_satisfaction", "worthwhile", "happiness", "anxiety"}


def test_measure_keys_are_exactly_the_keys_of_the_scores():
    for key, instrument in INSTRUMENTS.items():
        lowest = [min(item.values) for item in instrument.items]
        assert set(score(key, lowest)) == {m.key for m in instrument.measures}


def test_only_ons4_anxiety_and_the_totals_are_lower_is_better():
    directions = {(key, m.key): m.higher_is_better for key, i in INSTRUMENTS.items() for m in i.measures}
    assert directions == {("ons4", "life_satisfaction"): True, ("ons4", "worthwhile"): True,
                          ("ons4", "happiness"): True, ("ons4", "anxiety"): False,
                          ("ucla3", "total"): False, ("phq2", "total"): False, ("gad2", "total"): False,
                          ("semcd6", "mean"): True}


# --- SEMCD-6: the mean of the answered items, unscored with more than two missing -------------------

def test_semcd6_scores_the_mean_of_six_items():
    assert score("semcd6", [1, 2, 3, 4, 5, 6]) == {"mean": 3.5}
    assert score("semcd6", [10] * 6) == {"mean": 10}


def test_semcd6_scores_with_up_to_two_items_missing_and_not_with_three():
    assert answer_errors("semcd6", [7, None, 8, None, 9, 6]) == {}
    assert score("semcd6", [7, None, 8, None, 9, 6]) == {"mean": 7.5}
    assert answer_errors("semcd6", [7, None, None, None, 9, 6]) == {}
    assert score("semcd6", [7, None, None, None, 9, 6]) == {}


@pytest.mark.parametrize("bad", [0, 11, True, 5.5, "5"])
def test_semcd6_answers_are_whole_numbers_from_1_to_10(bad):
    assert set(answer_errors("semcd6", [bad, 5, 5, 5, 5, 5])) == {"answers.0"}
    assert set(answer_errors("semcd6", [5, 5, 5, 5, 5])) == {"answers"}


# --- bands at every boundary --------------------------------------------------------------------

WELLBEING = [(0, "low"), (4, "low"), (5, "medium"), (6, "medium"), (7, "high"), (8, "high"),
             (9, "very_high"), (10, "very_high")]
ANXIETY = [(0, "very_low"), (1, "very_low"), (2, "low"), (3, "low"), (4, "medium"), (5, "medium"),
           (6, "high"), (10, "high")]


@pytest.mark.parametrize("measure", ["life_satisfaction", "worthwhile", "happiness"])
@pytest.mark.parametrize(("value", "band"), WELLBEING)
def test_ons4_wellbeing_bands_follow_the_ons_thresholds(measure, value, band):
    assert INSTRUMENTS["ons4"].measure(measure).band(value).key == band


@pytest.mark.parametrize(("value", "band"), ANXIETY)
def test_ons4_anxiety_bands_follow_the_ons_thresholds(value, band):
    assert INSTRUMENTS["ons4"].measure("anxiety").band(value).key == band


@pytest.mark.parametrize(("total", "band"), [(3, "not_lonely"), (5, "not_lonely"), (6, "lonely"), (9, "lonely")])
def test_ucla3_reads_six_or_more_as_lonely(total, band):
    assert INSTRUMENTS["ucla3"].measure("total").band(total).key == band


@pytest.mark.parametrize("instrument", ["phq2", "gad2"])
@pytest.mark.parametrize(("total", "band"), [(0, "below_threshold"), (2, "below_threshold"),
                                             (3, "screen_positive"), (6, "screen_positive")])
def test_two_item_screens_band_at_three(instrument, total, band):
    assert INSTRUMENTS[instrument].measure("total").band(total).key == band


def test_bands_cover_every_possible_score_exactly_once():
    for instrument in INSTRUMENTS.values():
        for measure in instrument.measures:
            for value in range(measure.low, measure.high + 1):
                assert sum(b.low <= value <= b.high for b in measure.bands) == 1, (instrument.key, measure.key, value)


# --- thresholds ----------------------------------------------------------------------------------

@pytest.mark.parametrize("instrument", ["phq2", "gad2"])
def test_a_total_of_exactly_three_is_a_positive_screen_that_triggers_safety(instrument):
    threshold = INSTRUMENTS[instrument].threshold
    assert threshold.safety and threshold.is_met(score(instrument, [1, 2]))


@pytest.mark.parametrize("instrument", ["phq2", "gad2"])
def test_a_total_of_two_is_not_a_positive_screen(instrument):
    assert not INSTRUMENTS[instrument].threshold.is_met(score(instrument, [1, 1]))


def test_loneliness_has_a_threshold_but_it_triggers_no_safety_answer():
    threshold = INSTRUMENTS["ucla3"].threshold
    assert threshold.at_least == 6 and not threshold.safety


def test_ons4_has_no_threshold():
    assert INSTRUMENTS["ons4"].threshold is None


# --- validation ----------------------------------------------------------------------------------

def test_an_unknown_instrument_is_refused():
    assert set(answer_errors("phq9", [0] * 9)) == {"instrument"}


def test_every_bad_answer_is_named_by_its_position():
    assert set(answer_errors("ons4", [11, 5, -1, 5])) == {"answers.0", "answers.2"}


@pytest.mark.parametrize("bad", [True, False, 1.0, "1", None])
def test_non_integers_are_refused_even_when_python_would_count_them_as_one(bad):
    assert set(answer_errors("phq2", [bad, 1])) == {"answers.0"}


instrument_keys = st.sampled_from(sorted(INSTRUMENTS))


@st.composite
def valid_answers(draw):
    key = draw(instrument_keys)
    return key, [draw(st.sampled_from(sorted(item.values))) for item in INSTRUMENTS[key].items]


@given(valid_answers())
def test_any_valid_answer_list_is_accepted_and_scores_within_each_measures_range(case):
    key, answers = case
    assert answer_errors(key, answers) == {}
    instrument = INSTRUMENTS[key]
    for measure_key, value in score(key, answers).items():
        measure = instrument.measure(measure_key)
        assert measure.low <= value <= measure.high
        assert measure.band(value) is not None


@given(instrument_keys, st.lists(st.integers(min_value=0, max_value=3), max_size=12))
def test_any_answer_list_of_the_wrong_length_is_refused(key, answers):
    if len(answers) == len(INSTRUMENTS[key].items):
        answers = answers + [0]
    assert set(answer_errors(key, answers)) == {"answers"}


@given(valid_answers(), st.data())
def test_any_value_outside_an_items_options_is_refused(case, data):
    key, answers = case
    position = data.draw(st.integers(min_value=0, max_value=len(answers) - 1))
    allowed = INSTRUMENTS[key].items[position].values
    answers[position] = data.draw(st.integers().filter(lambda v: v not in allowed))
    assert set(answer_errors(key, answers)) == {f"answers.{position}"}
