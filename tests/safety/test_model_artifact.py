"""The committed model is what `make train-safety` makes from the committed corpus (CI never retrains)."""
from __future__ import annotations

import json
import os

import pytest

from services.safety import corpus, model

MAX_BYTES = 1_500_000


def test_the_artifact_was_trained_on_the_committed_train_and_dev_files():
    data = json.loads(model.ARTIFACT.read_text(encoding="utf-8"))
    assert data["data_sha256"] == corpus.data_hash(), "corpus changed: run `make train-safety` and commit"


def test_the_artifact_is_small_plain_json_and_has_every_task():
    assert model.ARTIFACT.stat().st_size < MAX_BYTES
    loaded = model.default_model()
    assert set(loaded.tasks) == set(model.TASKS)
    thresholds = loaded.tasks["crisis"].thresholds
    assert 0 < thresholds["concern"] <= thresholds["crisis"] <= 1.01


def test_training_never_reads_the_frozen_test_split():
    test_files = set(corpus.files("test"))
    assert not test_files & set(corpus.files("train")) and not test_files & set(corpus.files("dev"))


@pytest.mark.skipif(not os.environ.get("PEERLESS_RETRAIN_CHECK"), reason="retraining is slow; set PEERLESS_RETRAIN_CHECK=1")
def test_retraining_reproduces_the_artifact_byte_for_byte():
    from services.safety import train
    fresh = json.dumps(train.train(), sort_keys=True, separators=(",", ":")) + "\n"
    assert fresh == model.ARTIFACT.read_text(encoding="utf-8")


def test_the_committed_thresholds_hold_the_ordinary_chat_caps_on_dev():
    """What threshold choice promises (services/safety/train.py): on dev's ordinary chat, the crisis tier
    fires on at most 1 % and either tier on at most 10 %, over at least MIN_DEV_ORDINARY messages."""
    from services.safety import engine, train
    ordinary = [r["text"] for r in corpus.load("dev") if r["task"] == "crisis" and r["category"] == "ordinary_chat"]
    assert len(ordinary) >= train.MIN_DEV_ORDINARY
    tiers = [engine.assess(text).tier for text in ordinary]
    assert sum(t == "crisis" for t in tiers) / len(ordinary) <= train.ORDINARY_CRISIS_CAP
    assert sum(t is not None for t in tiers) / len(ordinary) <= train.ORDINARY_ALARM_CAP


def test_threshold_choice_refuses_a_dev_split_with_too_little_ordinary_chat():
    from services.safety import train
    dev = [r for r in corpus.load("dev") if r["category"] != "ordinary_chat"]
    with pytest.raises(ValueError, match="ordinary-chat"):
        train.choose_thresholds(model.default_model(), dev)
