"""The short validated questionnaires offered for check-ins, as data: items, answers, scoring, bands.

Sources, wording and licences: docs/check-ins.md. The outcomes report imports `INSTRUMENTS` for the
names and direction of each measure, so a score is always `{measure: value}` with these measure keys.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    text: str
    options: tuple[Option, ...]

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True)
class Band:
    """Scores from `low` to `high` inclusive read as `key` (shown to the person as `label`)."""

    low: int
    high: int
    key: str
    label: str


@dataclass(frozen=True)
class Measure:
    key: str
    name: str
    low: int
    high: int
    higher_is_better: bool
    bands: tuple[Band, ...]

    def band(self, value: int) -> Band:
        return next(band for band in self.bands if band.low <= value <= band.high)


@dataclass(frozen=True)
class Threshold:
    """A total at or over `at_least` means `meaning`; `safety` says whether it triggers the safety answer."""

    measure: str
    at_least: int
    meaning: str
    safety: bool

    def is_met(self, scores: dict[str, int]) -> bool:
        return scores[self.measure] >= self.at_least


@dataclass(frozen=True)
class Instrument:
    key: str
    name: str
    description: str
    attribution: str
    instructions: str
    items: tuple[Item, ...]
    measures: tuple[Measure, ...]
    scoring: str                                   # the rule in words, served to the app
    score: Callable[[list[int]], dict[str, int]]
    threshold: Threshold | None
    max_missing: int = 0          # items that may be left unanswered (null); beyond it, no score
    general: bool = True          # offered by check-in reminders by default (SEMCD-6 belongs to courses)

    def measure(self, key: str) -> Measure:
        return next(measure for measure in self.measures if measure.key == key)

    def interpret(self, scores: dict[str, int]) -> dict[str, Band]:
        """The band of each measure that has a score (an unscored answer has none)."""
        return {measure.key: measure.band(scores[measure.key]) for measure in self.measures if measure.key in scores}


def _total(answers: list[int]) -> dict[str, int]:
    return {"total": sum(answers)}


# --- ONS4 --------------------------------------------------------------------------------------

_ZERO_TO_TEN = tuple(Option(v, {0: "0 - not at all", 10: "10 - completely"}.get(v, str(v))) for v in range(11))
_WELLBEING_BANDS = (Band(0, 4, "low", "Low"), Band(5, 6, "medium", "Medium"), Band(7, 8, "high", "High"),
                    Band(9, 10, "very_high", "Very high"))
_ANXIETY_BANDS = (Band(0, 1, "very_low", "Very low"), Band(2, 3, "low", "Low"), Band(4, 5, "medium", "Medium"),
                  Band(6, 10, "high", "High"))
ONS4_MEASURES = ("life_satisfaction", "worthwhile", "happiness", "anxiety")


def _ons4_scores(answers: list[int]) -> dict[str, int]:
    # No total: ONS reports the four measures separately (they capture different kinds of wellbeing).
    return dict(zip(ONS4_MEASURES, answers))


ONS4 = Instrument(
    key="ons4",
    name="ONS personal wellbeing (ONS4)",
    description="Four questions from the Office for National Statistics about life satisfaction, "
                "whether what you do feels worthwhile, and how happy and how anxious you felt yesterday.",
    attribution="Office for National Statistics personal well-being questions (Annual Population Survey; "
                "GSS harmonised standard). Crown copyright, Open Government Licence v3.0.",
    instructions="Next I would like to ask you four questions about your feelings on aspects of your life. "
                 "There are no right or wrong answers. For each of these questions I'd like you to give an "
                 "answer on a scale of 0 to 10, where 0 is \"not at all\" and 10 is \"completely\".",
    items=(
        Item("Overall, how satisfied are you with your life nowadays?", _ZERO_TO_TEN),
        Item("Overall, to what extent do you feel that the things you do in your life are worthwhile?", _ZERO_TO_TEN),
        Item("Overall, how happy did you feel yesterday?", _ZERO_TO_TEN),
        Item("On a scale where 0 is \"not at all anxious\" and 10 is \"completely anxious\", overall, how anxious "
             "did you feel yesterday?", _ZERO_TO_TEN),
    ),
    measures=(
        Measure("life_satisfaction", "Life satisfaction", 0, 10, True, _WELLBEING_BANDS),
        Measure("worthwhile", "Worthwhile", 0, 10, True, _WELLBEING_BANDS),
        Measure("happiness", "Happiness yesterday", 0, 10, True, _WELLBEING_BANDS),
        Measure("anxiety", "Anxiety yesterday", 0, 10, False, _ANXIETY_BANDS),
    ),
    scoring="Each answer (0-10) is its own measure; there is no total. ONS thresholds: life satisfaction, "
            "worthwhile and happiness 0-4 low, 5-6 medium, 7-8 high, 9-10 very high; anxiety 0-1 very low, "
            "2-3 low, 4-5 medium, 6-10 high.",
    score=_ons4_scores,
    threshold=None,
)

# --- UCLA 3-item loneliness --------------------------------------------------------------------

_HOW_OFTEN = (Option(1, "Hardly ever or never"), Option(2, "Some of the time"), Option(3, "Often"))

UCLA3 = Instrument(
    key="ucla3",
    name="UCLA 3-item loneliness scale",
    description="Three questions about how often you feel you lack companionship, feel left out or feel "
                "isolated from others.",
    attribution="Hughes, Waite, Hawkley and Cacioppo (2004), A short scale for measuring loneliness in large "
                "surveys, Research on Aging 26(6):655-672; wording as recommended by the Office for National "
                "Statistics (national measures of loneliness, 2018). Free to use.",
    instructions="The next questions are about relationships with others. For each one, please say how often "
                 "(if at all) you feel that way.",
    items=(
        Item("How often do you feel that you lack companionship?", _HOW_OFTEN),
        Item("How often do you feel left out?", _HOW_OFTEN),
        Item("How often do you feel isolated from others?", _HOW_OFTEN),
    ),
    measures=(Measure("total", "Loneliness", 3, 9, False,
                      (Band(3, 5, "not_lonely", "Less often lonely"), Band(6, 9, "lonely", "Lonely"))),),
    scoring="Sum of the three answers (1 hardly ever or never, 2 some of the time, 3 often): 3 to 9, higher "
            "means lonelier. 6 or more is read as lonely (a convention of studies using the scale; ONS "
            "publishes no cut-off).",
    score=_total,
    threshold=Threshold("total", 6, "lonely", safety=False),
)

# --- PHQ-2 and GAD-2 ---------------------------------------------------------------------------

_HOW_OFTEN_BOTHERED = (Option(0, "Not at all"), Option(1, "Several days"), Option(2, "More than half the days"),
                       Option(3, "Nearly every day"))
_TWO_WEEKS = "Over the last 2 weeks, how often have you been bothered by {} following problems?"
_PFIZER = ("Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with an "
           "educational grant from Pfizer Inc. No permission required to reproduce, translate, display or "
           "distribute.")


def _two_item_screen(key: str, name: str, description: str, citation: str, texts: tuple[str, str],
                     meaning: str) -> Instrument:
    return Instrument(
        key=key, name=name, description=description, attribution=f"{citation} {_PFIZER}",
        instructions=_TWO_WEEKS.format("any of the" if key == "phq2" else "the"),  # as each form words it
        items=tuple(Item(text, _HOW_OFTEN_BOTHERED) for text in texts),
        measures=(Measure("total", name, 0, 6, False,
                          (Band(0, 2, "below_threshold", "Below the screening threshold"),
                           Band(3, 6, "screen_positive", "At or over the screening threshold"))),),
        scoring="Sum of the two answers (0 not at all to 3 nearly every day): 0 to 6. 3 or more is a positive "
                "screen: worth talking to a GP or health professional; it is not a diagnosis.",
        score=_total,
        threshold=Threshold("total", 3, meaning, safety=True),
    )


PHQ2 = _two_item_screen(
    "phq2", "PHQ-2", "Two questions about low mood and loss of interest over the last two weeks.",
    "Kroenke, Spitzer and Williams (2003), The Patient Health Questionnaire-2, Medical Care 41(11):1284-1292.",
    ("Little interest or pleasure in doing things", "Feeling down, depressed, or hopeless"),
    "possible depression: a positive screen, not a diagnosis",
)
GAD2 = _two_item_screen(
    "gad2", "GAD-2", "Two questions about feeling anxious and worrying over the last two weeks.",
    "Kroenke, Spitzer, Williams, Monahan and Löwe (2007), Anxiety disorders in primary care, Annals of "
    "Internal Medicine 146(5):317-325.",
    ("Feeling nervous, anxious or on edge", "Not being able to stop or control worrying"),
    "possible anxiety disorder: a positive screen, not a diagnosis",
)

# --- SEMCD-6 -----------------------------------------------------------------------------------

_CONFIDENT = tuple(Option(v, {1: "1 - not at all confident", 10: "10 - totally confident"}.get(v, str(v)))
                   for v in range(1, 11))
_KEEP = "How confident do you feel that you can keep {} from interfering with the things you want to do?"
SEMCD6_MAX_MISSING = 2


def _semcd6_mean(answers: list[int | None]) -> dict[str, float]:
    answered = [a for a in answers if a is not None]
    if len(answers) - len(answered) > SEMCD6_MAX_MISSING:
        return {}  # more than two missing: not scored
    return {"mean": round(sum(answered) / len(answered), 2)}


SEMCD6 = Instrument(
    key="semcd6",
    name="Self-Efficacy for Managing Chronic Disease (SEMCD-6)",
    description="Six questions about how confident you feel doing things to manage your condition; offered "
                "when you join a self-management course and after its last session.",
    attribution="Lorig, Sobel, Ritter, Laurent and Hobbs (2001), Effect of a self-management program on "
                "patients with chronic disease, Effective Clinical Practice 4(6):256-262. Self-Management "
                "Resource Center (formerly Stanford Patient Education Research Center); free to use.",
    instructions="We would like to know how confident you are in doing certain activities. For each of the "
                 "following questions, please choose the number that corresponds to your confidence that you "
                 "can do the tasks regularly at the present time. Leave out any question you cannot answer.",
    items=(
        Item(_KEEP.format("the fatigue caused by your disease"), _CONFIDENT),
        Item(_KEEP.format("the physical discomfort or pain of your disease"), _CONFIDENT),
        Item(_KEEP.format("the emotional distress caused by your disease"), _CONFIDENT),
        Item(_KEEP.format("any other symptoms or health problems you have"), _CONFIDENT),
        Item("How confident do you feel that you can do the different tasks and activities needed to manage your "
             "health condition so as to reduce your need to see a doctor?", _CONFIDENT),
        Item("How confident do you feel that you can do things other than just taking medication to reduce how "
             "much your illness affects your everyday life?", _CONFIDENT),
    ),
    measures=(Measure("mean", "Self-efficacy", 1, 10, True, (Band(1, 10, "scored", "Self-efficacy score"),)),),
    scoring="The mean of the answered items (1 not at all confident to 10 totally confident), to two decimals; "
            "higher means more confident. Up to two items may be left out (null); with more than two missing "
            "the answers are kept but not scored. There are no published cut-offs.",
    score=_semcd6_mean,
    threshold=None,
    max_missing=SEMCD6_MAX_MISSING,
    general=False,
)

INSTRUMENTS: dict[str, Instrument] = {i.key: i for i in (ONS4, UCLA3, PHQ2, GAD2, SEMCD6)}


def answer_errors(instrument_key: str, answers: list) -> dict[str, list[str]]:
    """Why these answers cannot be scored, as `{field: [message]}`; empty when they can.

    Booleans are refused even though Python counts them as ints: `true` is not an answer.
    """
    instrument = INSTRUMENTS.get(instrument_key)
    if instrument is None:
        return {"instrument": [f"Unknown instrument; choose one of: {', '.join(INSTRUMENTS)}."]}
    if len(answers) != len(instrument.items):
        return {"answers": [f"{instrument.name} has {len(instrument.items)} questions: "
                            f"send exactly {len(instrument.items)} answers, in order."]}
    errors = {}
    for index, (answer, item) in enumerate(zip(answers, instrument.items)):
        if answer is None and instrument.max_missing:
            continue  # a question left out: the score says whether enough were answered
        if isinstance(answer, bool) or not isinstance(answer, int) or answer not in item.values:
            allowed = ", ".join(str(v) for v in sorted(item.values))
            errors[f"answers.{index}"] = [f"Not one of this question's answers ({allowed})."]
    return errors


def score(instrument_key: str, answers: list[int]) -> dict[str, int]:
    """The scores of answers that passed `answer_errors`."""
    return INSTRUMENTS[instrument_key].score(list(answers))
