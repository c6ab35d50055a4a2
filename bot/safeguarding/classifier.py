"""The learned part of the detector: a small text classifier for disclosures
the patterns miss.

TF-IDF word and character n-grams feed a logistic regression that predicts a
safeguarding category or "none". It is trained from training_examples.yml
(seeded, so the same file gives the same model) and saved with skops, which
loads only the types it is told to trust (no arbitrary pickle code).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.safeguarding.rules import load_yaml

DEFAULT_EXAMPLES_PATH = Path(__file__).with_name("training_examples.yml")
NONE_LABEL = "none"
CURATED_NONE_WEIGHT = 4.0
EVERYDAY_WEIGHT = 0.1  # chosen on held-out everyday messages: see README (Safeguarding)
SEED = 42
# Types a saved model may contain; anything else is refused on load.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


@dataclass(frozen=True)
class Prediction:
    category: str | None  # most likely risk category
    risk_probability: float  # 1 - P(none)


def load_examples(path: Path = DEFAULT_EXAMPLES_PATH) -> list[tuple[str, str]]:
    """(text, label) pairs; label is a category or "none"."""
    data = load_yaml(path)
    examples: list[tuple[str, str]] = []
    for category, texts in (data.get("positives") or {}).items():
        examples.extend((str(t), category) for t in texts)
    examples.extend((str(t), NONE_LABEL) for t in data.get("negatives") or [])
    return examples


class RiskClassifier:
    """Two small models: one says risk or not, the other which category.

    A single many-class model spreads probability over ten risk classes and
    makes "not none" look likely for any message; a separate yes/no model keeps
    the risk probability honest and the threshold meaningful."""

    def __init__(self, risk_model: object, category_model: object) -> None:
        self.risk_model = risk_model
        self.category_model = category_model
        self._risk_index = list(risk_model.classes_).index(1)  # type: ignore[attr-defined]

    @classmethod
    def train(
        cls,
        examples: Iterable[tuple[str, str]],
        preprocess: Callable[[str], str] = str.lower,
        everyday: Sequence[str] = (),
    ) -> RiskClassifier:
        pairs = list(examples)
        texts = [preprocess(t) for t, _ in pairs]
        labels = [label for _, label in pairs]
        # Curated "none" weighs 4x: the patterns carry recall, the classifier must rarely cry wolf.
        # Everyday messages (far more numerous) weigh less, so they teach ordinary talk
        # without drowning the disclosures.
        weights = [CURATED_NONE_WEIGHT if label == NONE_LABEL else 1.0 for label in labels]
        risk = _pipeline(class_weight=None)
        risk.fit(
            texts + [preprocess(t) for t in everyday],
            [int(label != NONE_LABEL) for label in labels] + [0] * len(everyday),
            model__sample_weight=weights + [EVERYDAY_WEIGHT] * len(everyday),
        )
        positive = [(t, label) for t, label in zip(texts, labels, strict=True) if label != NONE_LABEL]
        category = _pipeline(class_weight="balanced")
        category.fit([t for t, _ in positive], [label for _, label in positive])
        return cls(risk, category)

    def predict(self, normalised_text: str, min_probability: float = 0.0) -> Prediction:
        """Risk probability, and the category only when it reaches min_probability
        (the category model is skipped for ordinary messages: it keeps latency low)."""
        probs = self.risk_model.predict_proba([normalised_text])[0]  # type: ignore[attr-defined]
        p_risk = float(probs[self._risk_index])
        if p_risk < min_probability:
            return Prediction(category=None, risk_probability=p_risk)
        category = str(self.category_model.predict([normalised_text])[0])  # type: ignore[attr-defined]
        return Prediction(category=category, risk_probability=p_risk)

    def save(self, path: Path) -> None:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump({"risk": self.risk_model, "category": self.category_model}, path)

    @classmethod
    def load(cls, path: Path) -> RiskClassifier:
        import skops.io as sio

        untrusted = sio.get_untrusted_types(file=path)
        refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if refused:
            raise ValueError(f"refusing to load {path}: unexpected types {refused}")
        models = sio.load(path, trusted=untrusted)
        return cls(models["risk"], models["category"])


def _pipeline(class_weight: str | dict[int, float] | None) -> object:
    """TF-IDF over words (1-2) and characters (2-5) into a logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),  # noqa: S106
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)),
        ]
    )
    model = LogisticRegression(C=3.0, max_iter=2000, class_weight=class_weight, random_state=SEED)
    return Pipeline([("features", features), ("model", model)])
