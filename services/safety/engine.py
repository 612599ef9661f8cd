"""One verdict for a piece of text: the rules (lexicon, patterns) and the statistical model together.

Crisis tiers (thresholds chosen on the dev split by `make train-safety`, see docs/safety.md):
- "crisis": the lexicon fired (after its negation, idiom, quotation checks) or the model's
  calibrated probability reaches the crisis threshold. Helplines at once, high-severity alert.
- "concern": the model's probability reaches the lower concern threshold, or the lexicon fired
  but the model scores the text below its "lexicon_veto" threshold. A private, gentle check-in
  to the writer and a normal-priority item for moderators.
- None: nothing to do.
Contact details and medical advice: the patterns' kinds, or the model's hit at its threshold.

`context` is the writer's previous few texts in the same place (oldest first). They are scored
together with the new text, so a plan spread over two messages is seen; the context alone must
not already have reached the tier (its own message raised that).
The lexicon stays the explainable part: a lexicon hit lists the entries that fired; a model-only
hit lists the words that weighed most ("model: pills, tonight").
"""
from __future__ import annotations

from dataclasses import dataclass

from services.safety import advice, contact, crisis
from services.safety.model import SafetyModel, default_model

CRISIS, CONCERN = "crisis", "concern"
MODEL_CONTACT_KIND = "off_platform_invite"   # the model's hit when no pattern names a kind
_NEVER = 2.0                                 # a threshold no probability reaches (no model)
MIN_MODEL_WORDS = 3   # the model alone raises no tier on one or two words (the lexicon still reads them)


@dataclass(frozen=True)
class Verdict:
    tier: str | None                       # "crisis" | "concern" | None
    categories: tuple[str, ...] = ()       # lexicon categories (crisis.CATEGORIES), or ("model",)
    matched: tuple[str, ...] = ()          # lexicon entries that fired, or the model's top words
    score: float = 0.0                     # the model's calibrated probability (0 without a model)

    @property
    def crisis(self) -> bool:
        return self.tier == CRISIS

    @property
    def concern(self) -> bool:
        return self.tier == CONCERN


NOTHING = Verdict(None)


def _threshold(model: SafetyModel | None, task: str, name: str) -> float:
    default = 0.0 if name == "lexicon_veto" else _NEVER
    return model.tasks[task].thresholds.get(name, default) if model else default


def _tier(model: SafetyModel | None, probability: float, text: str) -> str | None:
    if len(text.split()) < MIN_MODEL_WORDS:   # "thanks" alone is no evidence either way
        return None
    if probability >= _threshold(model, "crisis", "crisis"):
        return CRISIS
    if probability >= _threshold(model, "crisis", "concern"):
        return CONCERN
    return None


def assess(text: str, context: tuple[str, ...] = (), model: SafetyModel | None = None) -> Verdict:
    """The verdict for `text` written after `context` (the same writer's recent texts, oldest first)."""
    model = model or default_model()
    text = text or ""
    lexicon = crisis.assess(text)
    probability = model.probability("crisis", text) if model else 0.0
    if lexicon.crisis:
        # the model vetoes the crisis tier only when it finds the text very unlike a crisis (a film,
        # a past long resolved): the writer still gets the gentle check-in and helplines
        vetoed = probability < _threshold(model, "crisis", "lexicon_veto") if model else False
        return Verdict(CONCERN if vetoed else CRISIS, lexicon.categories, lexicon.matched, probability)
    tier, scored = _tier(model, probability, text), text
    context = tuple(c for c in context if c and c.strip())
    if model and context and tier != CRISIS:
        together = "\n".join((*context, text))
        before = _tier(model, model.probability("crisis", "\n".join(context)), "\n".join(context))
        joint = _tier(model, model.probability("crisis", together), together)
        rank = {None: 0, CONCERN: 1, CRISIS: 2}
        if rank[joint] > rank[tier] and rank[joint] > rank[before]:
            tier, scored = joint, together
            probability = model.probability("crisis", together)
    if tier is None:
        return Verdict(None, score=probability)
    return Verdict(tier, ("model",), ("model: " + ", ".join(model.reasons("crisis", scored)),), probability)


def rule_hit(task: str, text: str) -> bool:
    """The rules alone (no model): what training's threshold choice adds the model to."""
    if task == "crisis":
        return crisis.assess(text).crisis
    if task == "contact":
        return bool(contact.find_contact_details(text))
    return advice.looks_like_medical_instruction(text)


def _model_hit(task: str, text: str, model: SafetyModel | None) -> bool:
    return bool(model) and model.probability(task, text) >= _threshold(model, task, "hit")


def contact_kinds(text: str, model: SafetyModel | None = None) -> list[str]:
    """Kinds of contact detail in `text` (contact.KINDS), or the model's "off_platform_invite"."""
    kinds = contact.find_contact_details(text)
    if not kinds and _model_hit("contact", text, model or default_model()):
        kinds = [MODEL_CONTACT_KIND]
    return kinds


def is_advice(text: str, model: SafetyModel | None = None) -> bool:
    """Does `text` direct someone else's treatment (patterns, or the model at its threshold)?"""
    return advice.looks_like_medical_instruction(text) or _model_hit("advice", text, model or default_model())
