"""One verdict for a piece of text: the crisis lexicon and the statistical model together.

Tiers (see docs/safety.md):
- "crisis": the lexicon fired, or the model is confident. Helplines at once, high-severity alert.
- "concern": lower confidence. A private, gentle check-in to the writer and a normal-priority item.
- None: nothing to do.

`context` is the writer's previous few texts in the same place (oldest first); they are scored
together with `text`, so a plan spread over two messages is seen, but only `text` can fire the
lexicon on its own (an old crisis message already raised its own alert).
"""
from __future__ import annotations

from dataclasses import dataclass

from services.safety import crisis

CRISIS, CONCERN = "crisis", "concern"


@dataclass(frozen=True)
class Verdict:
    tier: str | None                       # "crisis" | "concern" | None
    categories: tuple[str, ...] = ()       # lexicon categories (crisis.CATEGORIES), or ("model",)
    matched: tuple[str, ...] = ()          # lexicon entries that fired: what moderators see
    score: float = 0.0                     # the model's calibrated probability (0 when absent)

    @property
    def crisis(self) -> bool:
        return self.tier == CRISIS

    @property
    def concern(self) -> bool:
        return self.tier == CONCERN


NOTHING = Verdict(None)


def assess(text: str, context: tuple[str, ...] = ()) -> Verdict:
    """The verdict for `text` written after `context` (the same writer's recent texts, oldest first)."""
    found = crisis.assess(text or "")
    if found.crisis:
        return Verdict(CRISIS, found.categories, found.matched)
    return NOTHING
