"""Compare model families for the safeguarding classifier on the held-back messages.

Each family is trained on bot/safeguarding/training/ (plus the everyday NLU
messages, as `rasa train` does) and scored on tests/bot/safeguarding/heldback.yml,
which no model, pattern or threshold was ever tuned on. Printed per family:
ROC AUC, recall at 3% and 8% false alarms (the alert and concern budgets), and
for the calibrated ones the Brier score and expected calibration error.

Usage: .venv/rasa/bin/python -m scripts.compare_safeguarding_models   (about 5 minutes)
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.safeguarding.classifier import NONE_LABEL, RiskClassifier, load_examples
from bot.safeguarding.conversation import nlu_examples, ordinary_messages
from bot.safeguarding.detector import SafeguardingDetector
from scripts.safeguarding_sets import load_items

HELDBACK = Path("tests/bot/safeguarding/heldback.yml")
Scorer = Callable[[Sequence[str]], np.ndarray]


def recall_at(p: np.ndarray, y: np.ndarray, false_alarms: float) -> float:
    negatives = np.sort(p[y == 0])[::-1]
    threshold = negatives[min(len(negatives) - 1, int(false_alarms * len(negatives)))]
    return float((p[y == 1] > threshold).mean())


def calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (p >= lo) & (p < hi) if hi < 1 else (p >= lo)
        if inside.any():
            error += inside.mean() * abs(p[inside].mean() - y[inside].mean())
    return error


def binary_tfidf(texts: list[str], targets: np.ndarray, weights: np.ndarray) -> Scorer:
    """The detector's classifier before this comparison: words 1-2, characters 3-5, yes/no."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),  # noqa: S106
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )
    model = Pipeline([("features", features), ("model", LogisticRegression(C=3.0, max_iter=2000))])
    model.fit(texts, targets > 0, model__sample_weight=weights)
    return lambda batch: model.predict_proba(list(batch))[:, 1]


def frozen_minilm(texts: list[str], targets: np.ndarray, weights: np.ndarray) -> Scorer:
    """Pretrained sentence vectors, not fine-tuned, into a logistic regression."""
    import torch
    from sklearn.linear_model import LogisticRegression

    from bot.safeguarding.encoder import MAX_TOKENS, MiniLM, _encode, _tokenizer

    encoder, tokenizer = MiniLM.pretrained().eval(), _tokenizer(MAX_TOKENS)

    def vectors(batch: Sequence[str]) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for start in range(0, len(batch), 64):
                out.append(encoder(*_encode(tokenizer, list(batch[start : start + 64]))).numpy())
        return np.vstack(out)

    model = LogisticRegression(C=4.0, max_iter=3000).fit(vectors(texts), targets > 0, sample_weight=weights)
    return lambda batch: model.predict_proba(vectors(batch))[:, 1]


def fine_tuned_minilm(texts: list[str], targets: np.ndarray, weights: np.ndarray) -> Scorer:
    from bot.safeguarding.encoder import DisclosureEncoder

    encoder = DisclosureEncoder.train(texts, targets.tolist(), weights.tolist())
    return lambda batch: np.array([1.0 - p[0] for p in encoder.probabilities(list(batch))])


def main() -> int:
    detector = SafeguardingDetector()
    items = load_items(HELDBACK)
    held = {item.text.strip().lower() for item in items}
    examples = load_examples()
    everyday = [t for t in ordinary_messages(nlu_examples(), detector) if t.strip().lower() not in held]
    texts = [detector.normalise(e.text) for e in examples] + [detector.normalise(t) for t in everyday]
    # 0 ordinary, 1 hint, 2 plain disclosure (the yes/no families read any level above 0 as yes)
    levels = [0 if e.label == NONE_LABEL else 1 if e.strength == "hint" else 2 for e in examples]
    targets = np.array(levels + [0] * len(everyday))
    weights = np.array([1.5 if e.label != NONE_LABEL else 1.0 for e in examples] + [0.3] * len(everyday))
    test = [detector.normalise(i.text) for i in items]
    y = np.array([int(i.is_disclosure) for i in items])
    print(f"trained on {len(texts)} messages; held back: {int(y.sum())} disclosures, {int((1 - y).sum())} ordinary")
    print(f"{'family':<44} {'auc':>6} {'rec@3%':>7} {'rec@8%':>7} {'brier':>6} {'ece':>6} {'train':>6}")

    def words_only(*_: object) -> Scorer:
        clf = RiskClassifier.train(examples, preprocess=detector.normalise, everyday=everyday, use_encoder=False)
        return lambda batch: np.array([p.risk_probability for p in clf.predict_many(list(batch))])

    def both(*_: object) -> Scorer:
        clf = RiskClassifier.train(examples, preprocess=detector.normalise, everyday=everyday)
        return lambda batch: np.array([p.risk_probability for p in clf.predict_many(list(batch))])

    families: list[tuple[str, Callable[..., Scorer], bool]] = [
        ("TF-IDF yes/no logistic regression (before)", binary_tfidf, False),
        ("TF-IDF multi-class LR, calibrated", words_only, True),
        ("MiniLM sentence vectors (frozen) + LR", frozen_minilm, False),
        ("MiniLM fine-tuned here", fine_tuned_minilm, False),
        ("average of multi-class LR and fine-tuned (shipped)", both, True),
    ]
    for name, build, calibrated in families:
        started = time.perf_counter()
        scorer = build(texts, targets, weights)
        seconds = time.perf_counter() - started
        p = scorer(test)
        from sklearn.metrics import roc_auc_score

        brier = f"{np.mean((p - y) ** 2):6.3f}" if calibrated else f"{'':>6}"
        ece = f"{calibration_error(p, y):6.3f}" if calibrated else f"{'':>6}"
        print(
            f"{name:<44} {roc_auc_score(y, p):6.3f} {recall_at(p, y, 0.03):7.3f} {recall_at(p, y, 0.08):7.3f} "
            f"{brier} {ece} {seconds:5.0f}s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
