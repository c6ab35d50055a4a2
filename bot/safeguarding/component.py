"""Rasa 3.6 NLU component: run the safeguarding detector on every message.

Sits last in the NLU pipeline (after DIETClassifier and FallbackClassifier) and
adds a top-level `safeguarding` object to every parse result:
{"risk": bool, "category": str|null, "severity": str|null, "matched": [str]}.
The dialogue reads tracker.latest_message["safeguarding"].

Training builds the classifier from training_examples.yml (not from the NLU
data) and persists it with skops in Rasa's model storage; loading restores it.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safeguarding.classifier import DEFAULT_EXAMPLES_PATH, RiskClassifier
from bot.safeguarding.conversation import ordinary_messages
from bot.safeguarding.detector import NO_RISK, Detection, SafeguardingDetector
from bot.safeguarding.normalise import DEFAULT_RULES_PATH
from bot.safeguarding.rules import DEFAULT_PATTERNS_PATH

logger = logging.getLogger(__name__)

SAFEGUARDING = "safeguarding"
_MODEL_FILE = "safeguarding_classifier.skops"
_REPO_ROOT = DEFAULT_EXAMPLES_PATH.parents[2]
_UNCHECKED = Detection(risk=True, category="unsafe_general", severity="high", matched=["detector_error"])


def _data_fingerprint() -> str:
    """Hash of the default data files. Part of the default config, so Rasa's
    training cache retrains this component when the examples or patterns change."""
    digest = hashlib.sha256()
    for path in (DEFAULT_EXAMPLES_PATH, DEFAULT_PATTERNS_PATH, DEFAULT_RULES_PATH):
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def _resolve(path: str) -> Path:
    """Relative paths are taken from the working directory, else from the repository root."""
    candidate = Path(path)
    if candidate.is_absolute() or candidate.exists():
        return candidate
    return _REPO_ROOT / candidate


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class SafeguardingComponent(GraphComponent):
    """Flags risk disclosures in every user message."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "training_examples": "bot/safeguarding/training_examples.yml",
            "patterns": str(DEFAULT_PATTERNS_PATH),
            "normalise": str(DEFAULT_RULES_PATH),
            "spacy_model": ".build/spacy_en",
            "data_fingerprint": _data_fingerprint(),
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy", "sklearn", "skops"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: RiskClassifier | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.detector = SafeguardingDetector(
            spacy_path=_resolve(self.config["spacy_model"]),
            patterns_path=_resolve(self.config["patterns"]),
            normalise_path=_resolve(self.config["normalise"]),
            classifier=classifier,
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafeguardingComponent:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Train from the safeguarding examples file, with the children's everyday
        messages from the NLU data as extra examples of what is not a risk."""
        pairs = [(m.get(INTENT), m.get(TEXT)) for m in training_data.intent_examples]
        negatives = ordinary_messages(pairs, self.detector)
        self.detector.train_classifier(_resolve(self.config["training_examples"]), extra_negatives=negatives)
        self.persist()
        return self._resource

    def persist(self) -> None:
        if self.detector.classifier is None:
            return
        with self._model_storage.write_to(self._resource) as model_dir:
            self.detector.classifier.save(model_dir / _MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SafeguardingComponent:
        classifier = None
        try:
            with model_storage.read_from(resource) as model_dir:
                classifier = RiskClassifier.load(model_dir / _MODEL_FILE)
        except ValueError:
            # No trained classifier in this model: the patterns still run.
            logger.warning("Safeguarding classifier not found in the model; using patterns only.")
        return cls(config, model_storage, resource, classifier=classifier)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.lstrip().startswith("/"):
                # An intent payload from a button (e.g. /feel_unsafe): the dialogue handles it.
                detection = NO_RISK
            else:
                try:
                    detection = self.detector.detect(text)
                except Exception:  # a detector bug must never stop the bot answering
                    logger.exception("Safeguarding detector failed; flagging the message for a person.")
                    # Fail safe: a person reads a message we could not check.
                    detection = _UNCHECKED
            message.set(SAFEGUARDING, detection.as_dict(), add_to_output=True)
        return messages
