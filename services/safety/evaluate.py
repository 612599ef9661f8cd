"""Figures per task and category on a split of the corpus: `python -m services.safety.evaluate`.

    python -m services.safety.evaluate                # dev (what thresholds were chosen on)
    python -m services.safety.evaluate --split test   # the frozen test: run once, choose nothing
    python -m services.safety.evaluate --split test --batch h1-fresh-test   # one frozen batch
    python -m services.safety.evaluate --split test --batch 'w*'            # the batches written first

Crisis: the crisis tier's recall and precision, crisis-or-concern recall, recall per positive
category and the alarm rate per hard-negative kind; the lexicon alone beside. Contact and advice:
recall and precision, per category. Targets from issue 14 are marked met / not met.
"""
from __future__ import annotations

import argparse
import fnmatch
import sys
from collections import defaultdict

from services.safety import corpus, engine
from services.safety.model import default_model

TARGETS = {"crisis_recall": 0.95, "crisis_category_recall": 0.90, "crisis_precision": 0.80,
           "crisis_or_concern_recall": 0.98, "detector_recall": 0.90, "detector_precision": 0.90}


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def _met(value: float | None, target: float) -> str:
    return "met" if value is not None and value >= target else "NOT met"


def crisis_figures(rows: list[dict]) -> dict:
    model = default_model()
    per_cat: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # crisis, any, lexicon, n
    for row in rows:
        verdict = engine.assess(row["text"], model=model)
        lexicon = engine.rule_hit("crisis", row["text"])
        counts = per_cat[(row["label"], row["category"])]
        counts[0] += verdict.crisis
        counts[1] += verdict.tier is not None
        counts[2] += lexicon
        counts[3] += 1
    pos = [c for (label, _), c in per_cat.items() if label == 1]
    neg = [c for (label, _), c in per_cat.items() if label == 0]
    total = lambda cs, i: sum(c[i] for c in cs)  # noqa: E731
    return {
        "per_category": dict(per_cat),
        "crisis_recall": _ratio(total(pos, 0), total(pos, 3)),
        "crisis_precision": _ratio(total(pos, 0), total(pos, 0) + total(neg, 0)),
        "crisis_or_concern_recall": _ratio(total(pos, 1), total(pos, 3)),
        "concern_or_crisis_on_negatives": _ratio(total(neg, 1), total(neg, 3)),
        "lexicon_recall": _ratio(total(pos, 2), total(pos, 3)),
        "lexicon_precision": _ratio(total(pos, 2), total(pos, 2) + total(neg, 2)),
        "n": len(rows),
    }


def detector_figures(task: str, rows: list[dict]) -> dict:
    model = default_model()
    per_cat: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # hit, rules, n
    for row in rows:
        hit = bool(engine.contact_kinds(row["text"], model)) if task == "contact" else engine.is_advice(row["text"], model)
        counts = per_cat[(row["label"], row["category"])]
        counts[0] += hit
        counts[1] += engine.rule_hit(task, row["text"])
        counts[2] += 1
    pos = [c for (label, _), c in per_cat.items() if label == 1]
    neg = [c for (label, _), c in per_cat.items() if label == 0]
    tp, fp = sum(c[0] for c in pos), sum(c[0] for c in neg)
    rtp, rfp = sum(c[1] for c in pos), sum(c[1] for c in neg)
    n_pos = sum(c[2] for c in pos)
    return {"per_category": dict(per_cat), "recall": _ratio(tp, n_pos), "precision": _ratio(tp, tp + fp),
            "rules_recall": _ratio(rtp, n_pos), "rules_precision": _ratio(rtp, rtp + rfp), "n": len(rows)}


def report(split: str, batches: list[str] | None = None) -> str:
    rows = corpus.load(split)
    if batches:   # names or shell patterns ("w*")
        rows = [r for r in rows if any(fnmatch.fnmatchcase(r["batch"], b) for b in batches)]
    where = f"{split} split" + (f", batches {', '.join(sorted({r['batch'] for r in rows}))}" if batches else "")
    lines = [f"Safety detectors on the {where} ({len(rows)} messages; "
             f"model trained on data {(default_model().meta['data_sha256'][:12] if default_model() else 'none')})"]
    c = crisis_figures([r for r in rows if r["task"] == "crisis"])
    lines += ["", f"CRISIS ({c['n']} messages)",
              f"  crisis tier: recall {_fmt(c['crisis_recall'])} (target 0.95: {_met(c['crisis_recall'], 0.95)}), "
              f"precision {_fmt(c['crisis_precision'])} (target 0.80: {_met(c['crisis_precision'], 0.80)})",
              f"  crisis-or-concern recall {_fmt(c['crisis_or_concern_recall'])} "
              f"(target 0.98: {_met(c['crisis_or_concern_recall'], 0.98)}); "
              f"crisis-or-concern on hard negatives {_fmt(c['concern_or_crisis_on_negatives'])}",
              f"  lexicon alone: recall {_fmt(c['lexicon_recall'])}, precision {_fmt(c['lexicon_precision'])}",
              "  positive category                 n   crisis  crisis|concern  lexicon   (target crisis >= 0.90)"]
    for (label, cat), (cr, anyt, lex, n) in sorted(c["per_category"].items(), key=lambda kv: (-kv[0][0], kv[0][1])):
        if label == 1:
            lines.append(f"    {cat:<30} {n:4d}   {_fmt(cr / n)}   {_fmt(anyt / n)}           {_fmt(lex / n)}"
                         f"   {_met(cr / n, 0.90)}")
    lines.append("  hard-negative kind (alarm rate)   n   crisis  crisis|concern  lexicon")
    for (label, cat), (cr, anyt, lex, n) in sorted(c["per_category"].items()):
        if label == 0:
            lines.append(f"    {cat:<30} {n:4d}   {_fmt(cr / n)}   {_fmt(anyt / n)}           {_fmt(lex / n)}")
    for task in ("contact", "advice"):
        d = detector_figures(task, [r for r in rows if r["task"] == task])
        lines += ["", f"{task.upper()} ({d['n']} messages)",
                  f"  recall {_fmt(d['recall'])} (target 0.90: {_met(d['recall'], 0.90)}), "
                  f"precision {_fmt(d['precision'])} (target 0.90: {_met(d['precision'], 0.90)}); "
                  f"patterns alone: recall {_fmt(d['rules_recall'])}, precision {_fmt(d['rules_precision'])}",
                  "  category (rate flagged)           n   combined  patterns"]
        for (label, cat), (hit, rules, n) in sorted(d["per_category"].items(), key=lambda kv: (-kv[0][0], kv[0][1])):
            kind = "+" if label else "-"
            lines.append(f"    {kind} {cat:<28} {n:4d}   {_fmt(hit / n)}     {_fmt(rules / n)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "train"), default="dev")
    parser.add_argument("--batch", action="append", help="only these batches (a name or a pattern such as 'w*'; repeatable)")
    args = parser.parse_args(argv)
    print(report(args.split, args.batch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
