"""The Rasa NLU component, driven through Rasa's own graph-component API."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.validation import validate
from rasa.shared.core.events import Restarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safeguarding.classifier import DEFAULT_TRAINING_DIR
from bot.safeguarding.component import SafeguardingComponent
from tests.bot.safeguarding.conftest import MODEL

COMPONENT = "train_bot.safeguarding.component.SafeguardingComponent"

CONTEXT = ExecutionContext(GraphSchema({}), node_name="safeguarding")
EMPTY = DialogueStateTracker.from_events("parse", [])
QUIET = {"risk": False, "level": "none", "category": None, "severity": None, "matched": []}


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> SafeguardingComponent:
    """Trained here with the TF-IDF model only, on every fifth training message (seconds, not
    minutes), saved and loaded again as Rasa does. What the full model says is tested on `shipped`."""
    training = tmp_path_factory.mktemp("training")
    for path in DEFAULT_TRAINING_DIR.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        (training / path.name).write_text(yaml.safe_dump({"items": data["items"][::5]}), encoding="utf-8")
    storage = LocalModelStorage(tmp_path_factory.mktemp("model_storage"))
    resource = Resource("safeguarding")
    config = {**SafeguardingComponent.get_default_config(), "encoder": False, "training": str(training)}
    component = SafeguardingComponent.create(config, storage, resource, CONTEXT)
    nlu = TrainingData([Message.build(text="I don't feel safe", intent="feel_unsafe")])
    assert component.train(nlu) == resource
    return SafeguardingComponent.load(config, storage, resource, CONTEXT)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> SafeguardingComponent:
    """The component inside models/current.tar.gz, loaded the way the Rasa server loads it."""
    folder = tmp_path_factory.mktemp("shipped")
    with tarfile.open(MODEL) as archive:
        members = [m for m in archive.getmembers() if m.name.lstrip("/").startswith(f"components/{COMPONENT}")]
        archive.extractall(folder, members=members, filter="data")
    (name,) = {p.name for p in (folder / "components").iterdir()}
    storage = LocalModelStorage(folder / "components")
    return SafeguardingComponent.load(SafeguardingComponent.get_default_config(), storage, Resource(name), CONTEXT)


def _output(component: SafeguardingComponent, text: str, tracker: DialogueStateTracker = EMPTY) -> dict:
    [message] = component.process([Message.build(text=text)], tracker)
    return message.as_dict(only_output_properties=True)["safeguarding"]


def _conversation(*texts: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("child", [UserUttered(t) for t in texts])


def test_a_loaded_component_has_its_classifier_and_knows_the_bots_intents(quick: SafeguardingComponent) -> None:
    assert quick.detector.classifier is not None
    assert "feel_unsafe" in quick.intents


def test_the_shipped_component_has_both_models(shipped: SafeguardingComponent) -> None:
    assert shipped.detector.classifier is not None and shipped.detector.classifier.encoder is not None


def test_a_disclosure_sets_a_risk_output_property(shipped: SafeguardingComponent) -> None:
    output = _output(shipped, "my step dad hits me when mum is out")
    assert (output["risk"], output["level"], output["category"]) == (True, "risk", "physical_abuse")
    assert output["severity"] in {"high", "immediate"}
    assert output["matched"]


def test_every_message_gets_the_property_even_without_risk(quick: SafeguardingComponent) -> None:
    messages = quick.process([Message.build(text=t) for t in ["the food is rubbish", "hiya", ""]], EMPTY)
    for message in messages:
        assert message.as_dict(only_output_properties=True)["safeguarding"] == QUIET


@pytest.mark.parametrize("payload", ["/feel_unsafe", '/feel_unsafe{"x": 1}'])
def test_the_bots_own_buttons_are_left_to_the_dialogue(quick: SafeguardingComponent, payload: str) -> None:
    assert _output(quick, payload) == QUIET


@pytest.mark.parametrize("text", ["/ he hits me every night", "/kill myself", "/kms"])
def test_a_slash_that_is_not_the_bots_button_is_read(shipped: SafeguardingComponent, text: str) -> None:
    assert _output(shipped, text)["risk"] is True


def test_a_second_worry_in_the_same_conversation_goes_to_a_person_at_once(shipped: SafeguardingComponent) -> None:
    first, second = "something happened at my dads and i cant say what", "i dont want to go there this weekend"
    assert _output(shipped, second)["risk"] is False
    output = _output(shipped, second, _conversation("hi", first))
    assert output["risk"] is True
    assert any(m.startswith("context/") for m in output["matched"])


def test_a_new_session_forgets_what_came_before(shipped: SafeguardingComponent) -> None:
    first, second = "something happened at my dads and i cant say what", "i dont want to go there this weekend"
    tracker = _conversation("hi", first)
    tracker.update(Restarted())
    assert _output(shipped, second, tracker) == _output(shipped, second)


def test_a_detector_failure_is_flagged_for_a_person(
    quick: SafeguardingComponent, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(quick.detector, "detect", broken)
    output = _output(quick, "anything at all")
    assert (output["risk"], output["matched"]) == (True, ["detector_error"])


def test_component_without_a_trained_classifier_still_runs_the_patterns(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    component = SafeguardingComponent.load(
        SafeguardingComponent.get_default_config(), storage, Resource("never_trained"), CONTEXT
    )
    assert component.detector.classifier is None
    assert _output(component, "i want to kill myself")["risk"] is True


def test_rasa_accepts_the_component_last_in_an_nlu_pipeline() -> None:
    config = {
        "recipe": "default.v1",
        "language": "en",
        "pipeline": [
            {"name": "WhitespaceTokenizer"},
            {"name": "CountVectorsFeaturizer"},
            {"name": "LogisticRegressionClassifier"},
            {"name": "FallbackClassifier", "threshold": 0.4},
            {"name": "bot.safeguarding.component.SafeguardingComponent"},
        ],
        "policies": [],
    }
    model_configuration = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU)
    validate(model_configuration)  # raises GraphSchemaValidationException on a wrong signature
    node = next(n for n in model_configuration.predict_schema.nodes.values() if n.uses is SafeguardingComponent)
    assert node.needs.get("tracker") == "__tracker__"  # Rasa hands it the conversation
