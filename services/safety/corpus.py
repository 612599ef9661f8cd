"""The labelled corpus under tests/safety/corpus/ (format and rules: docs/safety.md).

Split by writing batch: train (fits the model), dev (chooses thresholds, reported beside),
test (frozen: written before any tuning, read only by `python -m services.safety.evaluate
--split test`, never used to choose anything). The older tests/safety/labelled_messages.jsonl
(crisis only) is training data too.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "safety" / "corpus"
LABELLED = ROOT / "tests" / "safety" / "labelled_messages.jsonl"
SPLITS = ("train", "dev", "test")


def files(split: str) -> list[Path]:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    found = sorted((CORPUS / split).glob("*.jsonl"))
    return found + [LABELLED] if split == "train" else found


def _rows_of(path: Path) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if path == LABELLED:  # the older format: {text, crisis, category}
        return [{"id": f"labelled-{i}", "text": r["text"], "task": "crisis", "label": int(bool(r["crisis"])),
                 "category": r.get("category") or "labelled_negative", "batch": "labelled", "tags": []}
                for i, r in enumerate(rows)]
    return rows


def load(split: str) -> list[dict]:
    return [row for path in files(split) for row in _rows_of(path)]


def data_hash(splits: tuple[str, ...] = ("train", "dev")) -> str:
    """sha256 over the files training reads (names and bytes): the artifact records it."""
    digest = hashlib.sha256()
    for split in splits:
        for path in files(split):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
