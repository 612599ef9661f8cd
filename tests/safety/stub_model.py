"""A tiny, hand-weighted SafetyModel for tests of the tiers (the trained one changes with its data).

With bias -4 and no calibration stretch, a one-word text scores sigmoid(-4 + w / sqrt(2)):
"stash" -> 0.99 (crisis), "hopeless" -> 0.56 (concern), "tonight" -> 0.39 and "saved them all"
-> 0.18 (nothing), but "saved them all" then "tonight" together -> 0.61 (concern).
"""
from services.safety import features
from services.safety.model import SafetyModel

WORDS = {"stash": 12.0, "hopeless": 6.0, "saved": 5.0, "tonight": 5.0, "whatsapp": 12.0, "dose": 12.0}


def stub_model() -> SafetyModel:
    # keyed by the normalised word ("hopeless" reads "hopeles": repeated letters are squeezed)
    weights = {"w:" + features.words(word)[0][0]: weight for word, weight in WORDS.items()}
    task = {"weights": weights, "bias": -4.0, "platt_a": 1.0, "platt_b": 0.0}
    return SafetyModel({"data_sha256": "stub", "tasks": {
        "crisis": task | {"thresholds": {"crisis": 0.9, "concern": 0.4}},
        "contact": task | {"thresholds": {"hit": 0.9}},
        "advice": task | {"thresholds": {"hit": 0.9}},
    }})
