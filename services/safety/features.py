"""The words and pieces of words the statistical model reads: one pass, linear in the text.

Shared by training (services/safety/train.py) and scoring (services/safety/model.py), so the two
can never disagree. Three kinds of feature:
- "w": a normalised word (the crisis lexicon's normaliser: lower case, repeats squeezed,
  contractions and text-speak expanded, known misspellings mapped);
- "b": two neighbouring normalised words in the same clause;
- "c": 3- to 5-letter pieces of each raw word (digits read as "0"), which carry typos, phone
  numbers, "@" and "dot com" shapes the normalised words lose.
Counts are scaled by 1/sqrt(1 + number of words), so a long message does not score high merely
for being long.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from services.safety import crisis

_RAW_WORD = re.compile(r"\S+")
_DIGIT = re.compile(r"[0-9]")
CHAR_SIZES = (3, 4, 5)
MAX_WORD = 40  # a 10,000-letter "word" adds at most this many letters' pieces


@lru_cache(maxsize=32)   # one text is scored for three tasks in a row: normalise it once
def words(text: str) -> tuple[tuple[str, ...], ...]:
    """Normalised words, clause by clause."""
    return tuple(tuple(clause) for clause in crisis.normalise(text))


@lru_cache(maxsize=32)
def raw_words(text: str) -> tuple[str, ...]:
    return tuple(_DIGIT.sub("0", w[:MAX_WORD]) for w in _RAW_WORD.findall(text.lower()))


def char_pieces(raw_word: str) -> list[str]:
    padded = f"<{raw_word}>"
    return [padded[i:i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1)]


def scale(n_words: int) -> float:
    return 1.0 / math.sqrt(1 + n_words)


def extract(text: str) -> dict[str, float]:
    """All features of `text` with their scaled counts (training uses this; scoring sums weights)."""
    clauses = words(text)
    raw = raw_words(text)
    counts: dict[str, float] = {}
    for clause in clauses:
        for i, tok in enumerate(clause):
            counts["w:" + tok] = counts.get("w:" + tok, 0) + 1
            if i:
                key = "b:" + clause[i - 1] + " " + tok
                counts[key] = counts.get(key, 0) + 1
    for word in raw:
        for piece in char_pieces(word):
            counts["c:" + piece] = counts.get("c:" + piece, 0) + 1
    factor = scale(sum(len(c) for c in clauses))
    return {k: v * factor for k, v in counts.items()}
