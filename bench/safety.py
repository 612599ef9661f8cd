"""Text screening cost per message length: the old way beside the new, in the same run.

    .venv/bin/python bench/safety.py [--repeat 7]

Columns (milliseconds per text, best of --repeat rounds, so a busy machine inflates less):
- baseline: the crisis lexicon as it was, every one of its ~700 patterns searched over every clause
  (`crisis.assess(..., exhaustive=True)`, kept as the oracle the prefilter is tested against);
- lexicon: the prefiltered lexicon (patterns tried only where their required words stand);
- screening: what a message costs now: lexicon, model (crisis, contact, advice) and the
  contact and advice patterns (`message_safety.screen` without the database).
Two texts per length: ordinary health talk, and an adversarial one made of the lexicon's commonest
trigger words. Not part of `make bench` (it writes nothing; docs/safety.md quotes a run).
"""
from __future__ import annotations

import argparse
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = (5, 100, 400, 800, 1600, 3200)
ORDINARY = ("Had a rough night with my sugars, woke up at 3 and the pump alarm kept going. "
            "My GP changed my tablets last week and I'm so tired I could sleep for a week. ")
ADVERSARIAL = "i want to kill myself no i am not going to end it all ever honestly "


def _text(seed: str, length: int) -> str:
    return (seed * (length // len(seed) + 1))[:length]


def _best(func, repeat: int) -> float:
    func()
    number = 3
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from services.safety import crisis, engine

    def screening(text: str) -> None:
        engine.assess(text)
        engine.contact_kinds(text)
        engine.is_advice(text)

    print(f"{'text':<12}{'chars':>7}{'baseline ms':>14}{'lexicon ms':>12}{'screening ms':>14}{'speed-up':>10}")
    for name, seed in (("ordinary", ORDINARY), ("adversarial", ADVERSARIAL)):
        for length in LENGTHS:
            text = _text(seed, length)
            base = _best(lambda: crisis.assess(text, exhaustive=True), args.repeat)
            lexicon = _best(lambda: crisis.assess(text), args.repeat)
            full = _best(lambda: screening(text), args.repeat)
            print(f"{name:<12}{length:>7}{base:>14.3f}{lexicon:>12.3f}{full:>14.3f}{base / lexicon:>9.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
