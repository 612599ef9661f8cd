"""The combined verdict: lexicon first, then the model's two tiers, then the writer's context."""
from __future__ import annotations

from services.safety import engine
from tests.safety.stub_model import stub_model

MODEL = stub_model()


def test_a_lexicon_hit_is_a_crisis_and_names_the_entries_that_fired():
    verdict = engine.assess("I want to kill myself", model=MODEL)
    assert verdict.crisis and "suicide" in verdict.categories and verdict.matched[0] == "kill {SELF}"


def test_a_confident_model_alone_makes_a_crisis_with_the_words_that_weighed_most():
    verdict = engine.assess("my stash here", model=MODEL)
    assert verdict.tier == "crisis" and verdict.categories == ("model",)
    assert verdict.matched == ("model: stash",) and verdict.score > 0.9


def test_a_less_confident_model_makes_a_concern_and_a_low_score_nothing():
    assert engine.assess("i feel hopeless", model=MODEL).tier == "concern"
    assert engine.assess("see you tonight", model=MODEL).tier is None
    assert engine.assess("", model=MODEL).tier is None


def test_the_model_alone_raises_nothing_on_one_or_two_words():
    assert engine.assess("stash", model=MODEL).tier is None
    assert engine.assess("hopeless stash", model=MODEL).tier is None
    assert engine.assess("kms", model=MODEL).crisis   # the lexicon still reads short texts


def test_two_messages_together_are_seen_when_neither_is_alone():
    assert engine.assess("i saved them", model=MODEL).tier is None
    verdict = engine.assess("see you tonight", ("i saved them",), model=MODEL)
    assert verdict.tier == "concern" and "saved" in verdict.matched[0]


def test_context_that_already_raised_its_own_tier_does_not_raise_it_again():
    assert engine.assess("see you tonight", ("my stash here",), model=MODEL).tier is None


def test_a_concern_followed_by_more_of_the_same_becomes_a_crisis():
    assert engine.assess("i saved them tonight", model=MODEL).tier == "concern"
    assert engine.assess("i saved them tonight", ("i feel hopeless",), model=MODEL).tier == "crisis"


def test_without_a_model_the_lexicon_works_alone(monkeypatch):
    monkeypatch.setattr(engine, "default_model", lambda: None)
    assert engine.assess("my stash here").tier is None and engine.assess("I want to die").crisis
    assert engine.contact_kinds("call me on 07700 900123") == ["phone"]


def test_the_model_adds_an_invitation_kind_to_contact_and_a_hit_to_advice():
    assert engine.contact_kinds("whatsapp", MODEL) == [engine.MODEL_CONTACT_KIND]
    assert engine.contact_kinds("email me at sam@example.com", MODEL) == ["email"]
    assert engine.is_advice("dose", MODEL) and not engine.is_advice("tonight", MODEL)
