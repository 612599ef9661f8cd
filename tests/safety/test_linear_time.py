"""Screening is linear in the text's length whatever the input (issue 13 "Work per request").

Measured by counting work (regex attempts, tokens), never by timing: a loaded CI machine cannot
make these flaky. bench/safety.py has the timings."""
from __future__ import annotations

import json
import re

import pytest

from services.safety import corpus, crisis, engine, features
from services.safety.crisis import WorkCounter, default_lexicon

ADVERSARIAL = [
    "kill myself " * 50,                                   # every token a trigger
    "i i i i want to to to to die die " * 30,              # the commonest trigger words
    "the nurse asked whether i thought about killing myself " * 30,   # many discounted hits
    "'" + "a 'b " * 200,                                    # unclosed quotations
    '"' * 300 + "end it all",
    "x" * 5000,                                             # one enormous word
    "killed myself laughing " * 60,                          # many idiom spans
    "pillssssssss " * 100 + "overdose " * 100,
]


def _work(text: str) -> int:
    counter = WorkCounter()
    crisis.assess(text, work=counter)
    return counter.regex_attempts + counter.tokens


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_doubling_the_input_no_more_than_doubles_the_work(text):
    once, twice = _work(text), _work(text + " " + text)
    assert twice <= 2 * once + 10, (once, twice)


def test_the_prefilter_finds_exactly_what_running_every_pattern_finds():
    texts = [row["text"] for split in ("train", "dev") for row in corpus.load(split)] + ADVERSARIAL
    assert len(texts) > 300
    for text in texts:
        assert crisis.assess(text) == crisis.assess(text, exhaustive=True), text


def test_the_prefilter_tries_far_fewer_patterns_than_the_lexicon_holds():
    text = "I have been feeling low for a while and my GP changed my tablets last week. " * 10
    fast, slow = WorkCounter(), WorkCounter()
    crisis.assess(text, work=fast)
    crisis.assess(text, exhaustive=True, work=slow)
    assert fast.regex_attempts * 20 < slow.regex_attempts


_NESTED_UNBOUNDED = re.compile(r"\((?:[^()]|\([^()]*\))*[*+]\)[*+{]")


def test_no_compiled_pattern_nests_unbounded_repetition():
    lex = default_lexicon()
    for entry in lex.entries + lex.idioms:
        assert not _NESTED_UNBOUNDED.search(entry.regex.pattern), entry.source
        # the only repetition over a group is the bounded gap {0,3}
        assert not re.search(r"\)[*+]", entry.regex.pattern), entry.source


def test_the_model_reads_each_word_once():
    model = engine.default_model()
    if model is None:
        pytest.skip("no artifact")
    calls = []
    original = features.char_pieces

    def counting(word):
        calls.append(word)
        return original(word)

    features.char_pieces = counting
    try:
        model._pieces = {task: {} for task in model.tasks}
        text = " ".join(f"w{chr(97 + i % 26)}{chr(97 + i // 26)}" for i in range(200))
        model.raw_score("crisis", text)
        assert len(calls) == 200
        model.raw_score("crisis", text + " " + text)
        assert len(calls) == 200   # remembered per word
    finally:
        features.char_pieces = original


def test_an_enormous_word_costs_a_bounded_number_of_pieces():
    assert features.raw_words("x" * 100_000) == ("x" * features.MAX_WORD,)
    assert json.dumps(features.extract("a" * 100_000)).count("c:") <= 3 * features.MAX_WORD
