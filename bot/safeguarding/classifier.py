"""The learned part of the detector: two models that read a message, averaged.

- TF-IDF word (1-2) and character (2-5) n-grams into one multi-class logistic
  regression over the ten categories and "none": it reads words and spellings,
  and gives the category;
- MiniLM, a small pretrained sentence encoder fine-tuned here (encoder.py): it
  reads meaning, so wordings nobody wrote down still land near the ones they did.

Each gives two scores: that a message discloses a risk at all, and that it says so
plainly rather than as a hint (the writers label every disclosure `clear` or
`hint`). The two models' scores are averaged, then calibrated (Platt scaling fitted
on a held-out part of the training messages), so the detector's thresholds are
probabilities and keep their meaning after every retraining: a plain disclosure is
a live alert, a hint a gentle check-in (a concern).

Why these two: with one writer held out at a time (the closest stand-in for words
nobody wrote down), the multi-class TF-IDF model beat a binary one, a linear SVM,
fastText-style subword embeddings, a small network on TF-IDF and frozen MiniLM
sentence vectors; the fine-tuned encoder alone was no better than TF-IDF, but the
average of the two was clearly better than either (README, Safeguarding; run
scripts/compare_safeguarding_models.py).

Trained from bot/safeguarding/training/*.yml (seeded). Saved with skops (the
TF-IDF model: loads only trusted types) and safetensors (the encoder: no pickle).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.safeguarding.rules import load_yaml

if TYPE_CHECKING:
    from bot.safeguarding.encoder import DisclosureEncoder

DEFAULT_TRAINING_DIR = Path(__file__).with_name("training")
NONE_LABEL = "none"
HINT = "hint"
# Recall first: a disclosure weighs more than an ordinary message.
DISCLOSURE_WEIGHT = 1.5
# The children's everyday NLU messages teach ordinary talk without drowning the disclosures.
EVERYDAY_WEIGHT = 0.3
# The sentences of ordinary messages, as ordinary messages in their own right: the detector
# also reads each sentence of a long message, and "the girl in the film runs away" must look
# ordinary on its own too. (A disclosure's sentences are not added: most of them are ordinary.)
SEGMENT_WEIGHT = 0.5
# Everyday messages taught as ordinary talk: about twice the NLU data the thresholds in
# patterns.yml were chosen on. All 7,000 of the grown NLU data tilted the models away from
# hints (fresh_batch_2's disclosures seen fell from 0.976 to 0.953), and the encoder's
# fine-tune time grows with every message.
EVERYDAY_MAX = 2000
CALIBRATION_SHARE = 0.15  # of the training messages, held out to calibrate the average
SEED = 42
_WORDS_FILE = "words.skops"
_ENCODER_FILE = "encoder.safetensors"
# Types a saved model may contain; anything else is refused on load.
_TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


def _some_everyday(everyday: Sequence[str]) -> list[str]:
    """At most EVERYDAY_MAX of the everyday messages, chosen by a hash of their text (so adding
    data elsewhere does not change the choice), in their original order."""
    if len(everyday) <= EVERYDAY_MAX:
        return list(everyday)
    ranked = sorted(range(len(everyday)), key=lambda i: hashlib.sha256(everyday[i].encode()).hexdigest())
    return [everyday[i] for i in sorted(ranked[:EVERYDAY_MAX])]


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # a category or "none"
    strength: str | None = None  # "clear" | "hint" for disclosures
    source: str = ""  # which writer's file

    @property
    def is_disclosure(self) -> bool:
        return self.label != NONE_LABEL


@dataclass(frozen=True)
class Prediction:
    category: str | None  # most likely risk category
    risk_probability: float  # calibrated P(this discloses a risk at all): a person should see it
    alert_probability: float = 0.0  # calibrated P(it says so plainly, not as a hint): a live alert


def load_examples(directory: Path = DEFAULT_TRAINING_DIR) -> list[Example]:
    """Every training message, from every writer's file in the folder."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        for item in load_yaml(path).get("items") or []:
            examples.append(Example(str(item["text"]), str(item["label"]), item.get("strength"), path.stem))
    return examples


class RiskClassifier:
    """Two calibrated probabilities per text: that it discloses a risk at all (a person should
    see it), and that it says so plainly (a live alert) rather than as a hint (a gentle check-in)."""

    def __init__(
        self,
        model: object,
        strength_model: object,
        encoder: DisclosureEncoder | None,
        any_calibration: tuple[float, float],
        clear_calibration: tuple[float, float],
    ) -> None:
        self.model = model
        self.strength_model = strength_model
        self.encoder = encoder
        self.any_calibration = any_calibration
        self.clear_calibration = clear_calibration
        classes = [str(c) for c in model.classes_]  # type: ignore[attr-defined]
        self._classes = classes
        self._none = classes.index(NONE_LABEL)
        self._clear = list(strength_model.classes_).index(1)  # type: ignore[attr-defined]

    @classmethod
    def train(
        cls,
        examples: Iterable[Example],
        preprocess: Callable[[str], str] = str.lower,
        everyday: Sequence[str] = (),
        use_encoder: bool = True,
    ) -> RiskClassifier:
        """`use_encoder=False` trains the TF-IDF models alone (seconds instead of minutes)."""
        import numpy as np
        from sklearn.model_selection import train_test_split

        items = list(examples)
        everyday = _some_everyday(everyday)
        texts = [preprocess(e.text) for e in items] + [preprocess(t) for t in everyday]
        labels = np.array([e.label for e in items] + [NONE_LABEL] * len(everyday))
        # 0: ordinary, 1: a hint (a person should ask), 2: a plain disclosure.
        levels = np.array(
            [0 if e.label == NONE_LABEL else 1 if e.strength == HINT else 2 for e in items] + [0] * len(everyday)
        )
        weights = np.array(
            [DISCLOSURE_WEIGHT if e.label != NONE_LABEL else 1.0 for e in items] + [EVERYDAY_WEIGHT] * len(everyday)
        )
        # Calibrated without the recall weighting: a probability should mean what it says.
        plain = np.array([1.0] * len(items) + [EVERYDAY_WEIGHT] * len(everyday))
        fit_idx, cal_idx = train_test_split(
            np.arange(len(texts)), test_size=CALIBRATION_SHARE, stratify=levels, random_state=SEED
        )
        fit = _with_ordinary_sentences(
            [texts[i] for i in fit_idx], labels[fit_idx].tolist(), levels[fit_idx].tolist(), weights[fit_idx].tolist()
        )
        encoder = None
        if use_encoder:
            from bot.safeguarding.encoder import DisclosureEncoder

            encoder = DisclosureEncoder.train(fit.texts, fit.levels, fit.weights)
        unfitted = cls(*_word_models(fit), encoder, (1.0, 0.0), (1.0, 0.0))
        cal_texts = [texts[i] for i in cal_idx]
        any_raw, clear_raw = unfitted._raw_scores(cal_texts)
        any_calibration = _platt(any_raw, (levels[cal_idx] > 0).astype(int), plain[cal_idx])
        clear_calibration = _platt(clear_raw, (levels[cal_idx] == 2).astype(int), plain[cal_idx])
        # The TF-IDF models are quick to fit: they learn from every message for the final model.
        everything = _with_ordinary_sentences(texts, labels.tolist(), levels.tolist(), weights.tolist())
        return cls(*_word_models(everything), encoder, any_calibration, clear_calibration)

    def predict(self, normalised_text: str) -> Prediction:
        return self.predict_many([normalised_text])[0]

    def predict_many(self, normalised_texts: Sequence[str]) -> list[Prediction]:
        """One batch for a message and its sentences: one call into each model."""
        if not normalised_texts:
            return []
        texts = list(normalised_texts)
        rows = self.model.predict_proba(texts)  # type: ignore[attr-defined]
        any_raw, clear_raw = self._raw_scores(texts, rows)
        predictions = []
        for row, any_score, clear_score in zip(rows, any_raw, clear_raw, strict=True):
            best = max((p, c) for c, p in zip(self._classes, row, strict=True) if c != NONE_LABEL)
            risk = _calibrated(any_score, self.any_calibration)
            # A plain disclosure is a disclosure: never more likely than any disclosure at all.
            alert = min(risk, _calibrated(clear_score, self.clear_calibration))
            predictions.append(Prediction(category=best[1], risk_probability=risk, alert_probability=alert))
        return predictions

    def _raw_scores(self, texts: list[str], rows: Any = None) -> tuple[list[float], list[float]]:
        """Both models' scores averaged, before calibration: (any disclosure, a plain one)."""
        if rows is None:
            rows = self.model.predict_proba(texts)  # type: ignore[attr-defined]
        words_any = [1.0 - float(row[self._none]) for row in rows]
        plainly = self.strength_model.predict_proba(texts)[:, self._clear]  # type: ignore[attr-defined]
        words_clear = [a * float(c) for a, c in zip(words_any, plainly, strict=True)]
        if self.encoder is None:
            return words_any, words_clear
        meaning = self.encoder.probabilities(texts)  # [ordinary, hint, plain] per text
        meaning_any = [1.0 - m[0] for m in meaning]
        meaning_clear = [m[2] for m in meaning]
        return _mean(words_any, meaning_any), _mean(words_clear, meaning_clear)

    def save(self, directory: Path) -> None:
        import skops.io as sio

        directory.mkdir(parents=True, exist_ok=True)
        sio.dump(
            {
                "model": self.model,
                "strength_model": self.strength_model,
                "any_calibration": list(self.any_calibration),
                "clear_calibration": list(self.clear_calibration),
            },
            directory / _WORDS_FILE,
        )
        if self.encoder is not None:
            self.encoder.save(directory / _ENCODER_FILE)

    @classmethod
    def load(cls, directory: Path) -> RiskClassifier:
        import skops.io as sio

        path = directory / _WORDS_FILE
        untrusted = sio.get_untrusted_types(file=path)
        refused = [t for t in untrusted if not t.startswith(_TRUSTED_PREFIXES)]
        if refused:
            raise ValueError(f"refusing to load {path}: unexpected types {refused}")
        saved = sio.load(path, trusted=untrusted)
        encoder = None
        if (directory / _ENCODER_FILE).exists():
            from bot.safeguarding.encoder import DisclosureEncoder

            encoder = DisclosureEncoder.load(directory / _ENCODER_FILE)
        any_calibration = tuple(float(x) for x in saved["any_calibration"])
        clear_calibration = tuple(float(x) for x in saved["clear_calibration"])
        return cls(saved["model"], saved["strength_model"], encoder, any_calibration, clear_calibration)  # type: ignore[arg-type]


@dataclass(frozen=True)
class _Fit:
    texts: list[str]
    labels: list[str]
    levels: list[int]
    weights: list[float]


def _word_models(fit: _Fit) -> tuple[object, object]:
    """The category model (all messages) and the plain-or-hint model (disclosures only)."""
    model = _pipeline()
    model.fit(fit.texts, fit.labels, model__sample_weight=fit.weights)
    told = [i for i, level in enumerate(fit.levels) if level > 0]
    strength = _pipeline()
    strength.fit([fit.texts[i] for i in told], [int(fit.levels[i] == 2) for i in told])
    return model, strength


def _mean(a: Sequence[float], b: Sequence[float]) -> list[float]:
    return [(x + y) / 2 for x, y in zip(a, b, strict=True)]


def _calibrated(score: float, calibration: tuple[float, float]) -> float:
    slope, intercept = calibration
    return _sigmoid(slope * _logit(score) + intercept)


def load_from_rasa_model(archive: Path, scratch: Path) -> RiskClassifier:
    """The classifier inside a trained Rasa model (models/current.tar.gz), unpacked into `scratch`."""
    import tarfile

    prefix = "components/train_bot.safeguarding.component.SafeguardingComponent"
    with tarfile.open(archive) as model:
        members = [m for m in model.getmembers() if m.name.lstrip("/").startswith(prefix)]
        model.extractall(scratch, members=members, filter="data")
    folders = {p.parent for p in scratch.glob(f"{prefix}*/{_WORDS_FILE}")}
    if len(folders) != 1:
        raise ValueError(f"{archive} holds no safeguarding classifier")
    return RiskClassifier.load(folders.pop())


def _with_ordinary_sentences(texts: list[str], labels: list[str], levels: list[int], weights: list[float]) -> _Fit:
    """The messages, then each sentence of every ordinary one as an ordinary message too."""
    from bot.safeguarding.segments import segments

    extra = [part for text, label in zip(texts, labels, strict=True) if label == NONE_LABEL for part in segments(text)]
    return _Fit(
        texts + extra,
        labels + [NONE_LABEL] * len(extra),
        levels + [0] * len(extra),
        weights + [SEGMENT_WEIGHT] * len(extra),
    )


def _pipeline() -> object:
    """TF-IDF over words (1-2) and characters (2-5) into a multi-class logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),  # noqa: S106
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        ]
    )
    model = LogisticRegression(C=10.0, max_iter=3000, random_state=SEED)
    return Pipeline([("features", features), ("model", model)])


def _platt(scores: Sequence[float], targets: object, weights: object) -> tuple[float, float]:
    """Fit p = sigmoid(a * logit(score) + b) to scores on messages the models did not learn from."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[_logit(float(s))] for s in scores])
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(x, targets, sample_weight=weights)
    return float(fit.coef_[0][0]), float(fit.intercept_[0])


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))
