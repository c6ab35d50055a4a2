"""The README and the code's comments name the NLU pipeline config.yml really runs.

Issue 10 found the README's architecture diagram and the safeguarding component's docstring
still naming DIET long after config.yml moved to LogisticRegressionClassifier.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import yaml
from rasa.engine.recipes.default_components import DEFAULT_COMPONENTS

ROOT = Path(__file__).resolve().parents[2]
# Where the pipeline is described: the README and every comment or docstring in our own code.
DESCRIBED_IN = [ROOT / "README.md", *sorted(p for d in ("bot", "actions", "scripts") for p in (ROOT / d).rglob("*.py"))]
# How the README's architecture diagram names each intent classifier Rasa ships.
DIAGRAM_NAMES = {
    "DIETClassifier": "DIET",
    "LogisticRegressionClassifier": "logistic-regression",
    "SklearnIntentClassifier": "SVM",
    "KeywordIntentClassifier": "keyword",
    "MitieIntentClassifier": "MITIE",
}


def _configured() -> set[str]:
    """Every component config.yml runs, and the Rasa classes our own components extend."""
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    names = {step["name"] for step in config["pipeline"] + config["policies"]}
    for name in [n for n in names if "." in n]:
        module, _, attribute = name.rpartition(".")
        names |= {base.__name__ for base in getattr(importlib.import_module(module), attribute).__mro__}
    return names


def _architecture_diagram() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Architecture", 1)[1]
    return section.split("```", 2)[1]


def test_no_file_names_a_rasa_component_the_pipeline_does_not_run() -> None:
    configured = _configured()
    unused = {c.__name__ for c in DEFAULT_COMPONENTS} - configured
    pattern = re.compile(r"\b(" + "|".join(sorted(unused)) + r")\b")
    stale = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in DESCRIBED_IN
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if pattern.search(line)
    ]
    assert stale == []


def test_the_architecture_diagram_names_the_intent_classifier_in_config() -> None:
    configured = _configured()
    diagram = _architecture_diagram()
    for component, shown in DIAGRAM_NAMES.items():
        if component in configured:
            assert shown.lower() in diagram.lower(), f"the diagram should name {shown} ({component})"
        else:
            assert not re.search(rf"\b{re.escape(shown)}\b", diagram, re.IGNORECASE), f"{shown} is not in config.yml"
