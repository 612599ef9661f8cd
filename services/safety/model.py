"""The statistical side of the safety detectors: a linear model per task, calibrated, pickle-free.

The artifact (model/safety_model.json, written by `make train-safety`) holds, per task, the
weight of each feature (services/safety/features.py), the bias, the Platt calibration (a, b) and
the thresholds chosen on the dev split. It is loaded once per process. Scoring a text sums the
weights of its features: one pass over the text, and a remembered per-word sum of its letter
pieces, so the cost is linear in the text's length and small for the words people repeat.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.safety import features

ARTIFACT = Path(__file__).resolve().parent / "model" / "safety_model.json"
TASKS = ("crisis", "contact", "advice")
_WORD_CACHE_SIZE = 20_000


@dataclass(frozen=True)
class TaskModel:
    weights: dict[str, float]
    bias: float
    platt_a: float
    platt_b: float
    thresholds: dict[str, float]

    def probability(self, raw: float) -> float:
        z = self.platt_a * raw + self.platt_b
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


class SafetyModel:
    def __init__(self, data: dict):
        self.meta = {k: v for k, v in data.items() if k != "tasks"}
        self.tasks = {name: TaskModel(t["weights"], t["bias"], t["platt_a"], t["platt_b"], t["thresholds"])
                      for name, t in data["tasks"].items()}
        self._pieces: dict[str, dict[str, float]] = {name: {} for name in self.tasks}

    def _piece_sum(self, task: str, word: str) -> float:
        cache = self._pieces[task]
        found = cache.get(word)
        if found is None:
            if len(cache) >= _WORD_CACHE_SIZE:
                cache.clear()
            weights = self.tasks[task].weights
            found = cache[word] = sum(weights.get("c:" + p, 0.0) for p in features.char_pieces(word))
        return found

    def raw_score(self, task: str, text: str) -> float:
        """The linear model's decision value (before calibration)."""
        model = self.tasks[task]
        weights = model.weights
        total, n_words = 0.0, 0
        for clause in features.words(text):
            n_words += len(clause)
            previous = None
            for tok in clause:
                total += weights.get("w:" + tok, 0.0)
                if previous is not None:
                    total += weights.get("b:" + previous + " " + tok, 0.0)
                previous = tok
        for word in features.raw_words(text):
            total += self._piece_sum(task, word)
        return model.bias + total * features.scale(n_words)

    def probability(self, task: str, text: str) -> float:
        if not text or not text.strip():
            return 0.0
        return self.tasks[task].probability(self.raw_score(task, text))

    def reasons(self, task: str, text: str, limit: int = 3) -> list[str]:
        """The words that pushed the score up most: what a moderator sees for a model-only hit."""
        weights = self.tasks[task].weights
        seen: dict[str, float] = {}
        for clause in features.words(text):
            for i, tok in enumerate(clause):
                seen["w:" + tok] = weights.get("w:" + tok, 0.0)
                if i:
                    key = "b:" + clause[i - 1] + " " + tok
                    seen[key] = weights.get(key, 0.0)
        top = sorted((w, k) for k, w in seen.items() if w > 0)[::-1][:limit]
        return [k[2:] for _, k in top]


@lru_cache(maxsize=1)
def default_model() -> SafetyModel | None:
    """The committed artifact, or None if it is missing (the lexicon then works alone)."""
    if not ARTIFACT.exists():
        return None
    return SafetyModel(json.loads(ARTIFACT.read_text(encoding="utf-8")))
