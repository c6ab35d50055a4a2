"""Evaluate the safeguarding detector on the development set.

Trains the classifier from bot/safeguarding/training_examples.yml, runs the
detector on tests/bot/safeguarding/dev_set.yml and prints recall per category,
overall recall, false-positive rate, precision, category agreement, latency,
and every miss and false alarm.

Usage: .venv/rasa/bin/python -m scripts.eval_safeguarding [--dev-set PATH] [--no-classifier]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safeguarding.classifier import NONE_LABEL, RiskClassifier, load_examples
from bot.safeguarding.conversation import nlu_examples, ordinary_messages
from bot.safeguarding.detector import Detection, SafeguardingDetector
from bot.safeguarding.rules import load_yaml

DEFAULT_DEV_SET = Path("tests/bot/safeguarding/dev_set.yml")


@dataclass
class Report:
    recall_by_category: dict[str, float]
    recall: float
    false_positive_rate: float
    precision: float
    category_agreement: float
    misses: list[tuple[str, str]] = field(default_factory=list)  # (category, text)
    false_alarms: list[tuple[str, Detection]] = field(default_factory=list)
    wrong_category: list[tuple[str, str, Detection]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)


def load_dev_set(path: Path = DEFAULT_DEV_SET) -> list[dict]:
    return list(load_yaml(path)["items"])


def evaluate(detector: SafeguardingDetector, items: list[dict]) -> Report:
    per_cat: dict[str, list[bool]] = {}
    negatives: list[bool] = []
    report = Report({}, 0.0, 0.0, 0.0, 0.0)
    agree = 0
    for item in items:
        text = str(item["text"])
        started = time.perf_counter()
        detection = detector.detect(text)
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        if item["risk"]:
            category = item["category"]
            per_cat.setdefault(category, []).append(detection.risk)
            if not detection.risk:
                report.misses.append((category, text))
            elif detection.category == category:
                agree += 1
            else:
                report.wrong_category.append((category, text, detection))
        else:
            negatives.append(detection.risk)
            if detection.risk:
                report.false_alarms.append((text, detection))
    flagged_pos = sum(sum(v) for v in per_cat.values())
    positives = sum(len(v) for v in per_cat.values())
    report.recall_by_category = {c: sum(v) / len(v) for c, v in sorted(per_cat.items())}
    report.recall = flagged_pos / positives if positives else 1.0
    report.false_positive_rate = sum(negatives) / len(negatives) if negatives else 0.0
    flagged = flagged_pos + sum(negatives)
    report.precision = flagged_pos / flagged if flagged else 1.0
    report.category_agreement = agree / flagged_pos if flagged_pos else 1.0
    return report


def print_report(report: Report, n_items: int) -> None:
    print(f"development set: {n_items} messages")
    print("recall per category:")
    for category, recall in report.recall_by_category.items():
        print(f"  {category:<30} {recall:6.3f}")
    print(f"overall recall        {report.recall:6.3f}   (target >= 0.98, every category >= 0.95)")
    print(f"false-positive rate   {report.false_positive_rate:6.3f}   (target <= 0.03)")
    print(f"precision             {report.precision:6.3f}")
    print(f"category agreement    {report.category_agreement:6.3f}   (flagged positives given the labelled category)")
    lat = sorted(report.latencies_ms)
    p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))]
    print(f"latency per message   median {statistics.median(lat):.2f} ms, p95 {p95:.2f} ms, max {lat[-1]:.2f} ms")
    print(f"\nmisses ({len(report.misses)}):")
    for category, text in report.misses:
        print(f"  [{category}] {text}")
    print(f"\nfalse alarms ({len(report.false_alarms)}):")
    for text, d in report.false_alarms:
        print(f"  {text}  -> {d.category}/{d.severity} {d.matched}")
    print(f"\nflagged with another category ({len(report.wrong_category)}):")
    for category, text, d in report.wrong_category:
        print(f"  [{category} -> {d.category}] {text}  {d.matched}")


def cross_validate(detector: SafeguardingDetector, folds: int = 5) -> None:
    """Check the classifier threshold on the TRAINING examples, never on the dev set:
    train on k-1 folds, run patterns + classifier on the held-out fold. (The
    patterns have been extended with these examples, so "patterns only" is
    optimistic here; the classifier columns show what it adds and costs.)"""
    examples = load_examples()
    rows: list[tuple[bool, bool, bool, float]] = []  # (is_risk, pattern_risk, softened, p_risk)
    for k in range(folds):
        train = [e for i, e in enumerate(examples) if i % folds != k]
        held = [e for i, e in enumerate(examples) if i % folds == k]
        clf = RiskClassifier.train(train, preprocess=detector.normalise)
        for text, label in held:
            hits, softened = detector.pattern_matches(text)
            p = clf.predict(detector.normalise(text)).risk_probability
            rows.append((label != NONE_LABEL, bool(hits), softened, p))
    pos = sum(r[0] for r in rows)
    neg = len(rows) - pos
    pat_recall = sum(r[0] and r[1] for r in rows) / pos
    pat_fpr = sum((not r[0]) and r[1] for r in rows) / neg
    print(f"{folds}-fold cross-validation on training examples ({pos} risk, {neg} not):")
    print(f"  patterns only: recall {pat_recall:.3f}, false-positive rate {pat_fpr:.3f}")
    figurative = detector.book.classifier.figurative_threshold
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        flagged = [r[1] or r[3] >= (figurative if r[2] else threshold) for r in rows]
        recall = sum(f and r[0] for f, r in zip(flagged, rows, strict=True)) / pos
        fpr = sum(f and not r[0] for f, r in zip(flagged, rows, strict=True)) / neg
        print(f"  patterns + classifier at {threshold:.1f}: recall {recall:.3f}, false-positive rate {fpr:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-set", type=Path, default=DEFAULT_DEV_SET)
    parser.add_argument("--no-classifier", action="store_true", help="patterns only")
    parser.add_argument("--cv", action="store_true", help="also cross-validate on the training examples")
    args = parser.parse_args(argv)
    detector = SafeguardingDetector()
    if args.cv:
        cross_validate(detector)
    items = load_dev_set(args.dev_set)
    if not args.no_classifier:
        started = time.perf_counter()
        # As in `rasa train`: everyday NLU messages are extra negatives (minus any text of the set under test).
        negatives = ordinary_messages(nlu_examples(), detector, exclude=[str(i["text"]) for i in items])
        detector.train_classifier(extra_negatives=negatives)
        print(f"classifier trained in {time.perf_counter() - started:.1f} s ({len(negatives)} everyday messages)")
    detector.detect("warm up")
    print_report(evaluate(detector, items), len(items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
