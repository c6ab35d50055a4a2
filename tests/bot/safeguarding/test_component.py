"""The Rasa NLU component, driven through Rasa's own graph-component API."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.validation import validate
from rasa.shared.data import TrainingType
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safeguarding.component import SafeguardingComponent


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[LocalModelStorage, Resource]:
    storage = LocalModelStorage(tmp_path_factory.mktemp("model_storage"))
    resource = Resource("safeguarding")
    context = ExecutionContext(GraphSchema({}), node_name="safeguarding")
    component = SafeguardingComponent.create({**SafeguardingComponent.get_default_config()}, storage, resource, context)
    assert component.train(TrainingData()) == resource
    return storage, resource


@pytest.fixture(scope="module")
def loaded(trained: tuple[LocalModelStorage, Resource]) -> SafeguardingComponent:
    storage, resource = trained
    context = ExecutionContext(GraphSchema({}), node_name="safeguarding")
    return SafeguardingComponent.load(SafeguardingComponent.get_default_config(), storage, resource, context)


def _output(component: SafeguardingComponent, text: str) -> dict:
    [message] = component.process([Message.build(text=text)])
    return message.as_dict(only_output_properties=True)["safeguarding"]


def test_loaded_component_has_the_trained_classifier(loaded: SafeguardingComponent) -> None:
    assert loaded.detector.classifier is not None


def test_disclosure_sets_a_risk_output_property(loaded: SafeguardingComponent) -> None:
    output = _output(loaded, "my step dad hits me when mum is out")
    assert output["risk"] is True
    assert output["category"] == "physical_abuse"
    assert output["severity"] in {"high", "immediate"}
    assert output["matched"]


def test_every_message_gets_the_property_even_without_risk(loaded: SafeguardingComponent) -> None:
    messages = loaded.process([Message.build(text=t) for t in ["the food is rubbish", "hiya", ""]])
    for message in messages:
        assert message.as_dict(only_output_properties=True)["safeguarding"] == {
            "risk": False,
            "category": None,
            "severity": None,
            "matched": [],
        }


@pytest.mark.parametrize("payload", ["/feel_unsafe", '/choose_kind{"kind": "complaint"}'])
def test_intent_payloads_are_left_to_the_dialogue(loaded: SafeguardingComponent, payload: str) -> None:
    assert _output(loaded, payload)["risk"] is False


def test_component_without_a_trained_classifier_still_runs_the_patterns(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), node_name="safeguarding")
    component = SafeguardingComponent.load(
        SafeguardingComponent.get_default_config(), storage, Resource("never_trained"), context
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
            {"name": "DIETClassifier", "epochs": 1},
            {"name": "FallbackClassifier", "threshold": 0.4},
            {"name": "bot.safeguarding.component.SafeguardingComponent"},
        ],
        "policies": [],
    }
    model_configuration = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU)
    validate(model_configuration)  # raises GraphSchemaValidationException on a wrong signature
    assert any(node.uses is SafeguardingComponent for node in model_configuration.predict_schema.nodes.values())
