"""A tiny, hand-weighted SafetyModel for tests of the tiers (the trained one changes with its data).

With bias -4 and no calibration stretch, a three-word text scores sigmoid(-4 + sum(w) / 2):
"my stash here" -> 0.98 (crisis), "i feel hopeless" -> 0.56 (concern), "i saved them" and
"see you tonight" -> 0.18 each (nothing), but the two together -> 0.44 (concern).
(The model alone raises no tier on fewer than three words.)
"""
from services.safety import features
from services.safety.model import SafetyModel

WORDS = {"stash": 16.0, "hopeless": 8.5, "saved": 5.0, "tonight": 5.0, "whatsapp": 16.0, "dose": 16.0}


def stub_model() -> SafetyModel:
    # keyed by the normalised word ("hopeless" reads "hopeles": repeated letters are squeezed)
    weights = {"w:" + features.words(word)[0][0]: weight for word, weight in WORDS.items()}
    task = {"weights": weights, "bias": -4.0, "platt_a": 1.0, "platt_b": 0.0}
    return SafetyModel({"data_sha256": "stub", "tasks": {
        "crisis": task | {"thresholds": {"crisis": 0.9, "concern": 0.4}},
        "contact": task | {"thresholds": {"hit": 0.9}},
        "advice": task | {"thresholds": {"hit": 0.9}},
    }})
