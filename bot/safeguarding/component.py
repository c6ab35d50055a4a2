"""Rasa 3.6 NLU component: run the safeguarding detector on every message.

After the intent classifier and FallbackClassifier in the NLU pipeline (only
bot.reference_intent comes after it), it adds a top-level `safeguarding` object to every parse result:
{"risk": bool, "level": "risk"|"concern"|"none", "category": str|null,
 "severity": str|null, "matched": [str]}.
The dialogue reads tracker.latest_message["safeguarding"].

Rasa hands NLU components the conversation's tracker when they ask for it (a
`tracker` argument to `process`), so in a conversation each message is weighed
with the earlier ones (context.py). `POST /model/parse` has no conversation: there
the message is read on its own.

Training builds the classifier from bot/safeguarding/training/ (not from the NLU
data) and persists it with skops in Rasa's model storage; loading restores it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.events import Restarted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safeguarding.classifier import DEFAULT_TRAINING_DIR, RiskClassifier
from bot.safeguarding.context import WINDOW, in_context
from bot.safeguarding.conversation import measured_texts, ordinary_messages
from bot.safeguarding.detector import NO_RISK, RISK, Detection, SafeguardingDetector
from bot.safeguarding.normalise import DEFAULT_RULES_PATH
from bot.safeguarding.rules import DEFAULT_PATTERNS_PATH

logger = logging.getLogger(__name__)

SAFEGUARDING = "safeguarding"
_INTENTS_FILE = "intents.json"
_REPO_ROOT = DEFAULT_TRAINING_DIR.parents[2]
_UNCHECKED = Detection(RISK, category="unsafe_general", severity="high", matched=["detector_error"])
# A button's payload: "/intent" or "/intent{...}". Only the bot's own intents skip the detector,
# so "/ he hits me every night" is read like any other message.
_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?\s*$", re.DOTALL)
_CACHE_SIZE = 4096


def _data_fingerprint() -> str:
    """Hash of the default data files and this package's code. Part of the default config,
    so Rasa's training cache retrains this component when the examples, patterns or models change."""
    digest = hashlib.sha256()
    code = sorted(DEFAULT_PATTERNS_PATH.parent.glob("*.py"))
    for path in (*sorted(DEFAULT_TRAINING_DIR.glob("*.yml")), DEFAULT_PATTERNS_PATH, DEFAULT_RULES_PATH, *code):
        digest.update(path.name.encode())
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
            "training": "bot/safeguarding/training",
            "patterns": str(DEFAULT_PATTERNS_PATH),
            "normalise": str(DEFAULT_RULES_PATH),
            "spacy_model": ".build/spacy_en",
            # The fine-tuned sentence encoder beside the TF-IDF model (minutes to train; tests may skip it).
            "encoder": True,
            "data_fingerprint": _data_fingerprint(),
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy", "sklearn", "skops", "torch", "tokenizers", "safetensors"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        classifier: RiskClassifier | None = None,
        intents: frozenset[str] = frozenset(),
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.intents = intents
        self.detector = SafeguardingDetector(
            spacy_path=_resolve(self.config["spacy_model"]),
            patterns_path=_resolve(self.config["patterns"]),
            normalise_path=_resolve(self.config["normalise"]),
            classifier=classifier,
        )
        # Earlier messages of a conversation are read again with each new one: remembered here.
        self._seen: OrderedDict[str, Detection] = OrderedDict()

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
        # Never a sentence of the sets the tests measure, so they stay a fair test of this model.
        negatives = ordinary_messages(pairs, self.detector, exclude=measured_texts())
        self.detector.train_classifier(
            _resolve(self.config["training"]), extra_negatives=negatives, use_encoder=bool(self.config["encoder"])
        )
        self.intents = frozenset(str(i) for i in training_data.intents)
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / _INTENTS_FILE).write_text(json.dumps(sorted(self.intents)))
            if self.detector.classifier is not None:
                self.detector.classifier.save(model_dir)

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
        intents: frozenset[str] = frozenset()
        try:
            with model_storage.read_from(resource) as model_dir:
                if (model_dir / _INTENTS_FILE).exists():
                    intents = frozenset(json.loads((model_dir / _INTENTS_FILE).read_text()))
                classifier = RiskClassifier.load(model_dir)
        except (ValueError, FileNotFoundError):
            # No trained classifier in this model: the patterns still run.
            logger.warning("Safeguarding classifier not found in the model; using patterns only.")
        return cls(config, model_storage, resource, classifier=classifier, intents=intents)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message], tracker: DialogueStateTracker) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            try:
                detection = self._detect_in_conversation(text, tracker)
            except Exception:  # a detector bug must never stop the bot answering
                logger.exception("Safeguarding detector failed; flagging the message for a person.")
                # Fail safe: a person reads a message we could not check.
                detection = _UNCHECKED
            message.set(SAFEGUARDING, detection.as_dict(), add_to_output=True)
        return messages

    def is_payload(self, text: str) -> bool:
        """A button the bot itself offered (e.g. /feel_unsafe): the dialogue handles it."""
        match = _PAYLOAD.match(text.strip())
        return bool(match) and match.group(1) in self.intents

    def _detect_in_conversation(self, text: str, tracker: DialogueStateTracker) -> Detection:
        if self.is_payload(text):
            return NO_RISK
        current = self._detect(text)
        earlier = self._earlier_messages(tracker)
        if not earlier:
            return current
        return in_context(
            current,
            [self._detect(t) for t in earlier],
            read_together=lambda: self.detector.detect(f"{earlier[-1]} {text}"),
        )

    def _detect(self, text: str) -> Detection:
        cached = self._seen.get(text)
        if cached is None:
            cached = self._seen[text] = self.detector.detect(text)
            if len(self._seen) > _CACHE_SIZE:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(text)
        return cached

    def _earlier_messages(self, tracker: DialogueStateTracker) -> list[str]:
        """What the child typed earlier in this conversation (since it last started), newest last."""
        texts: list[str] = []
        for event in tracker.events:
            if isinstance(event, (SessionStarted, Restarted)):
                texts = []
            elif isinstance(event, UserUttered) and event.text and not self.is_payload(event.text):
                texts.append(event.text)
        return texts[-WINDOW:]
