"""The labelled safety corpus (tests/safety/corpus/): every file parses, the labels come from the
agreed lists, ids are unique, a batch lives in one split only, no text is in two splits, and the
frozen test (and dev) split holds enough messages in every category to measure it.

This checks the corpus's shape, not any detector: it must stay green whatever the detectors do."""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

CORPUS = Path(__file__).with_name("corpus")
SPLITS = ("train", "dev", "test")

POSITIVE = {
    "crisis": {
        "plan_or_means", "active_ideation", "passive_ideation_burden", "farewell", "self_harm_current",
        "medication_or_insulin_misuse", "threat_to_others", "abuse_coercive_control",
        "current_urge_after_history",
    },
    "contact": {"phone_digits", "phone_words", "email", "email_obfuscated", "handle_platform", "off_platform_invite"},
    "advice": {"directs_others_treatment"},
}
NEGATIVE = {
    "crisis": {
        "idiom", "fatigue", "clinical_talk", "past_resolved", "negated", "media", "awareness_event",
        "everyday_near_twin", "third_party_support", "ordinary_chat",
    },
    "contact": {"near_twin"},
    "advice": {"own_experience", "own_clinician_plan", "signposting", "near_twin"},
}
TAGS = {"uk", "us", "textspeak", "typo", "multi_sentence", "clinician_first", "carer"}
FIELDS = {"id", "text", "task", "label", "category", "batch", "tags"}

# Minimums per split. The frozen test's are the issue's; dev is about half of it with the same mix.
MINIMUMS = {
    "test": {"crisis": 500, "crisis_positive_each": 28, "crisis_negative": 230, "crisis_negative_each": 20,
             "contact": 150, "advice": 150},
    "dev": {"crisis": 250, "crisis_positive_each": 14, "crisis_negative": 120, "crisis_negative_each": 10,
            "contact": 75, "advice": 75},
}


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _files(split: str) -> list[Path]:
    return sorted((CORPUS / split).glob("*.jsonl"))


def _rows(split: str) -> list[tuple[Path, int, dict]]:
    rows = []
    for path in _files(split):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                rows.append((path, number, json.loads(line)))
    return rows


ALL = {split: _rows(split) for split in SPLITS}


def test_every_file_parses_into_rows_with_exactly_the_agreed_fields():
    assert ALL["test"], "the frozen test split is empty"
    for split, rows in ALL.items():
        for path, number, row in rows:
            where = f"{path.name}:{number}"
            assert set(row) == FIELDS, where
            assert isinstance(row["text"], str) and row["text"].strip(), where
            assert row["text"] == row["text"].strip(), where


def test_tasks_labels_categories_and_tags_come_from_the_lists():
    for rows in ALL.values():
        for path, number, row in rows:
            where = f"{path.name}:{number} {row['text'][:40]!r}"
            assert row["task"] in POSITIVE, where
            assert row["label"] in (0, 1) and isinstance(row["label"], int), where
            allowed = POSITIVE[row["task"]] if row["label"] == 1 else NEGATIVE[row["task"]]
            assert row["category"] in allowed, where
            assert isinstance(row["tags"], list) and set(row["tags"]) <= TAGS, where
            assert not {"uk", "us"} <= set(row["tags"]), where


def test_ids_are_unique_across_all_splits_and_name_their_batch():
    ids = Counter(row["id"] for rows in ALL.values() for _, _, row in rows)
    assert not [i for i, n in ids.items() if n > 1]
    for rows in ALL.values():
        for path, _, row in rows:
            assert re.fullmatch(rf"{re.escape(row['batch'])}-\d{{4}}", row["id"]), row["id"]
            assert row["batch"] == path.stem, f"{path.name}: batch {row['batch']!r} is not the file's name"


def test_a_batch_belongs_to_one_split_only():
    splits_of = defaultdict(set)
    for split, rows in ALL.items():
        for _, _, row in rows:
            splits_of[row["batch"]].add(split)
    assert {batch: s for batch, s in splits_of.items() if len(s) > 1} == {}


def test_no_text_appears_twice_in_the_corpus_let_alone_in_two_splits():
    where = defaultdict(list)
    for split, rows in ALL.items():
        for path, number, row in rows:
            where[_normalised(row["text"])].append(f"{split}/{path.name}:{number}")
    assert {text: places for text, places in where.items() if len(places) > 1} == {}


@pytest.mark.parametrize("split", sorted(MINIMUMS))
def test_split_holds_enough_messages_in_every_category(split):
    minimum = MINIMUMS[split]
    rows = [row for _, _, row in ALL[split]]
    by_task = Counter(row["task"] for row in rows)
    by_category = Counter((row["task"], row["label"], row["category"]) for row in rows)
    assert by_task["crisis"] >= minimum["crisis"]
    for category in POSITIVE["crisis"]:
        assert by_category["crisis", 1, category] >= minimum["crisis_positive_each"], category
    assert sum(by_category["crisis", 0, c] for c in NEGATIVE["crisis"]) >= minimum["crisis_negative"]
    for category in NEGATIVE["crisis"]:
        assert by_category["crisis", 0, category] >= minimum["crisis_negative_each"], category
    for task in ("contact", "advice"):
        assert by_task[task] >= minimum[task], task
        positives = sum(1 for row in rows if row["task"] == task and row["label"] == 1)
        assert 0.4 <= positives / by_task[task] <= 0.6, f"{task}: {positives}/{by_task[task]} positive"
        for category in POSITIVE[task] | NEGATIVE[task]:
            assert by_category[task, int(category in POSITIVE[task]), category] > 0, category
