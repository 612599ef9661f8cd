"""Crisis detector: the labelled evaluation (precision/recall, per category) and the behaviours
the safety issue names (negation, quotation, idioms of health talk, normalisation)."""
import json
from datetime import date
from pathlib import Path

import pytest

from services.safety import crisis, resources
from services.safety.crisis import CATEGORIES, CrisisAssessment, assess

LABELLED = Path(__file__).with_name("labelled_messages.jsonl")
RECALL_TARGET, PRECISION_TARGET = 0.95, 0.80


def _load():
    rows = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows


def evaluate(rows):
    tp = fp = fn = tn = 0
    per_category = {c: [0, 0] for c in CATEGORIES}        # [found, total]
    category_right = 0
    misses, false_alarms = [], []
    for row in rows:
        got = assess(row["text"])
        if row["crisis"]:
            per_category[row["category"]][1] += 1
            if got.crisis:
                tp += 1
                per_category[row["category"]][0] += 1
                category_right += row["category"] in got.categories
            else:
                fn += 1
                misses.append(row["text"])
        elif got.crisis:
            fp += 1
            false_alarms.append((row["text"], got.matched))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "n": len(rows), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": precision, "recall": recall,
        "per_category_recall": {c: (f / t if t else None, f, t) for c, (f, t) in per_category.items()},
        "category_accuracy": category_right / tp if tp else None,
        "misses": misses, "false_alarms": false_alarms,
    }


def report(result) -> str:
    lines = [f"crisis detector on {result['n']} labelled messages: "
             f"precision {result['precision']:.3f}, recall {result['recall']:.3f} "
             f"(tp {result['tp']}, fp {result['fp']}, fn {result['fn']}, tn {result['tn']}); "
             f"right category on {result['category_accuracy']:.3f} of the hits"]
    for cat, (r, found, total) in result["per_category_recall"].items():
        lines.append(f"  recall {cat:<15} {r:.3f} ({found}/{total})")
    lines += [f"  MISSED: {t}" for t in result["misses"]]
    lines += [f"  FALSE ALARM: {t}  <- {m}" for t, m in result["false_alarms"]]
    return "\n".join(lines)


def test_labelled_set_is_big_and_balanced_enough():
    rows = _load()
    crisis_rows = [r for r in rows if r["crisis"]]
    assert len(rows) >= 200
    assert len(crisis_rows) >= 80 and len(rows) - len(crisis_rows) >= 120
    assert {r["category"] for r in crisis_rows} == set(CATEGORIES)
    assert all(r.get("category") in CATEGORIES for r in crisis_rows)
    assert len({r["text"] for r in rows}) == len(rows), "duplicate messages"


def test_precision_and_recall_on_the_labelled_set():
    result = evaluate(_load())
    summary = report(result)
    print("\n" + summary)   # shown with -s or -rP; the same figures are in docs/safety.md
    assert result["recall"] >= RECALL_TARGET, summary
    assert result["precision"] >= PRECISION_TARGET, summary
    for cat, (r, _found, _total) in result["per_category_recall"].items():
        assert r >= 0.9, summary   # no category may be left behind by the overall figure


@pytest.mark.parametrize("text", [
    "I want to end it all", "i want to kill myself", "I don't want to be here anymore",
    "I dont want to be here anymore", "I do not want to be here any more", "everyone is better off without me",
    "I'm going to take all my pills", "there is no reason to live", "I can't stop thinking about killing myself",
    "I don't want to live anymore", "I'm cutting myself again", "I want to hurt myself", "I burn myself",
    "I'm going to hurt him", "I'm going to kill them", "he hits me", "I'm not safe at home",
    "she won't let me leave", "I'm being abused",
])
def test_named_phrasings_are_crises(text):
    assert assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "I would never hurt myself", "I'm not going to kill myself", "Im not gonna kill myself",
    "I'm not suicidal", "I haven't self harmed in two years", "I don't want to die, I want to get better",
])
def test_negation_cancels(text):
    assert not assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "I can't stop thinking about killing myself", "I don't want to live anymore", "I'm not okay, I want to die",
    "Not sure I want to be here anymore", "I'm not going to lie, I want to die", "No, I want to die",
    "I'm not suicidal but I do want to die", "nobody would care if I killed myself",
])
def test_negation_inside_or_outside_scope_does_not_cancel(text):
    assert assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "the nurse asked 'do you want to hurt yourself?'",
    "the nurse asked \u2018do you want to hurt yourself?\u2019",
    'my friend said "I want to die" in a film',
    "My favourite song is \u201cI Want To Die\u201d",
    "The doctor asked whether I'd thought about ending my life and I said no",
    "Do you ever feel like you want to die? You can tell me",
    "If you ever feel suicidal, call Samaritans",
])
def test_quotation_reporting_and_questions_to_others(text):
    assert not assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "I told my GP \"I want to kill myself\"", "I keep thinking 'I want to die'", '"I want to die." That is all I think',
    "he said \"I'll kill you if you leave\"",
])
def test_quotes_the_person_owns_or_threats_reported_still_count(text):
    assert assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "this pain is killing me", "I'm dying to try the new pump", "my feet are killing me",
    "dying of boredom at the clinic", "kill the pain", "I could murder a cup of tea",
    "the steroids are killing my sleep", "drop-dead gorgeous nurse", "I cut out sugar",
    "overdosed on chocolate at Christmas", "my pills ran out, pharmacy closed",
    "I nearly killed myself laughing", "I cut myself chopping onions", "the chemo will kill them",
])
def test_idioms_of_health_talk_are_not_crises(text):
    assert not assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "I've stopped my insulin on purpose", "skipping my basal deliberately so I end up in DKA",
    "I swallowed the whole box of my co-codamol", "deliberately not taking my transplant meds",
    "I want to go into DKA", "I've been stockpiling my zopiclone", "how many of my lithium would it take",
    "I know which bridge", "I tested the hook and it holds my weight",
])
def test_medication_misuse_and_plan_or_means_are_crises(text):
    """Issue 14: the two weakest categories had almost no lexicon entries."""
    assert assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "I attempted suicide in 2003. I've been well for years", "I self-harmed as a teenager",
    "years ago I wanted to die. I'm so glad I got help", "I stockpiled tablets at university",
    "I never skip my insulin on purpose",
])
def test_history_long_past_is_not_a_crisis(text):
    assert not assess(text).crisis, text


@pytest.mark.parametrize("text", [
    "I tried to kill myself last year", "I self-harmed as a teenager and I want to again tonight",
    "Eight years ago I tried to end my life. Now the thoughts are back",
    "I attempted suicide in 2003 and the thoughts are coming back",
])
def test_history_with_a_return_or_a_recent_time_still_counts(text):
    assert assess(text).crisis, text


class _FrozenDate(date):
    """`crisis.date` with today() pinned, to move the screening's "now" to another year."""
    year_now = 2026

    @classmethod
    def today(cls):
        return cls(cls.year_now, 6, 15)


@pytest.mark.parametrize("year_now, year_told, history", [
    (2026, 2023, True), (2026, 2024, False), (2026, 2025, False),
    (2031, 2026, True), (2031, 2028, True), (2031, 2029, False), (2031, 2030, False),
    (2024, 2021, True), (2024, 2022, False), (2024, 2023, False),
    (2040, 2037, True), (2040, 2038, False),
])
def test_a_year_is_long_past_relative_to_the_date_of_screening(monkeypatch, year_now, year_told, history):
    """A year at least `distant_past_min_years_ago` (3) years before the current one is long past: the
    cut-off moves with the calendar (2031: 2028 is history, 2029 is not; 2024: 2022 is not history),
    which a fixed year in the lexicon would get wrong in one direction or the other."""
    monkeypatch.setattr(crisis, "date", type("D", (_FrozenDate,), {"year_now": year_now}))
    text = f"I attempted suicide in {year_told}. I've been well for years"
    assert assess(text).crisis is not history, (year_now, year_told)
    # a return anywhere in the message still counts, whatever the year
    assert assess(f"I attempted suicide in {year_told} and the thoughts are coming back").crisis


def test_the_year_cut_off_is_not_written_in_the_lexicon():
    data = json.loads(crisis.LEXICON_PATH.read_text(encoding="utf-8"))
    assert "distant_past_before_year" not in data
    assert crisis.default_lexicon().distant_past_min_years_ago == 3


@pytest.mark.parametrize("text", [
    "I want to kil myslef", "i wanna dieeeee", "I WANT TO KILL MYSELF", "I\u2019m going to kill myself",
    "i dont wanna be alive", "feeling sucidal", "i want 2 die", "im gonna end it all", "wanna unalive myself",
    "I want to k\u00eell myself",
])
def test_normalisation_typos_case_quotes_accents_repeats(text):
    assert assess(text).crisis, text


def test_categories_and_matched_entries():
    result = assess("He hits me and I want to kill myself")
    assert result.crisis and result.categories == ("suicide", "abuse")
    assert "kill {SELF}" in result.matched
    assert isinstance(result, CrisisAssessment)
    assert assess("I'm going to hurt him").categories == ("harm_to_others",)
    assert assess("I keep cutting myself").categories == ("self_harm",)


@pytest.mark.parametrize("text", ["", "   ", "\n", "\x01\x02", "'''", '"""', "12345", "\u200b", "a" * 20000])
def test_odd_input_is_no_crisis_and_never_raises(text):
    result = assess(text)
    assert result == crisis.NO_CRISIS


def test_the_text_is_never_altered():
    text = "I want to KILL myself \u2019"
    copy = str(text)
    assess(text)
    assert text == copy


def test_lexicon_rejects_malformed_entries(tmp_path):
    data = json.loads(crisis.LEXICON_PATH.read_text(encoding="utf-8"))
    data["categories"]["suicide"].append("want to (die")
    bad = tmp_path / "lexicon.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(crisis.LexiconError):
        crisis.load_lexicon(bad)


def test_lexicon_loads_with_every_category_covered():
    lex = crisis.default_lexicon()
    assert len(lex.entries) >= 200
    assert {e.category for e in lex.entries} == set(CATEGORIES)


# --- crisis resources (answered with every crisis hit) ---------------------------------------

def _numbers(items):
    return [i.get("phone") or i.get("text") for i in items]


@pytest.mark.parametrize("region", [None, "", "GB", "gb", "GB-ENG", "GB-SCT", "GB-WLS", "UK", "United Kingdom"])
def test_uk_default_resources(region):
    items = resources.crisis_resources(region)
    assert _numbers(items) == ["999", "111", "116 123", "Text SHOUT to 85258"]
    assert any("samaritans.org" in i.get("url", "") for i in items)
    assert all(set(i) <= {"name", "phone", "text", "url"} and i["name"] for i in items)


def test_us_and_other_supported_regions():
    us = resources.crisis_resources("US-CA")
    assert {"988", "911"} <= set(_numbers(us))
    assert "988" in resources.crisis_resources("CA")[1]["phone"]
    assert "1737" in _numbers(resources.crisis_resources("NZ"))
    assert "13 11 14" in _numbers(resources.crisis_resources("AU"))
    assert "116 123" in _numbers(resources.crisis_resources("IE"))
    assert "0808 808 8000" in _numbers(resources.crisis_resources("GB-NIR"))


@pytest.mark.parametrize("region", ["FR", "DE-BY", "London", "??"])
def test_unknown_region_gets_uk_list_and_local_emergency_line(region):
    items = resources.crisis_resources(region)
    assert _numbers(items)[:4] == ["999", "111", "116 123", "Text SHOUT to 85258"]
    assert items[-1] == resources.LOCAL_EMERGENCY_LINE


def test_overrides_by_country_or_region_and_fresh_copies():
    mine = [{"name": "Breathing Space", "phone": "0800 83 85 87"}]
    assert resources.crisis_resources("GB-SCT", {"GB-SCT": mine}) == mine
    assert resources.crisis_resources("us", {"us": mine}) == mine
    assert resources.crisis_resources(None, {"GB": mine}) == mine
    assert resources.crisis_resources("GB-ENG", {"GB-SCT": mine})[0]["phone"] == "999"
    got = resources.crisis_resources("GB")
    got[0]["phone"] = "changed"
    got.append({"name": "x"})
    assert resources.crisis_resources("GB")[0]["phone"] == "999" and len(resources.crisis_resources("GB")) == 4
    returned = resources.crisis_resources("FR", {"GB": mine})
    assert returned[0] == mine[0] and returned[-1] == resources.LOCAL_EMERGENCY_LINE
