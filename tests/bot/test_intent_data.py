"""The intent training data: what it must never contain, and what every intent needs."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml
from rasa.shared.core.domain import Domain

from bot.channels.slash_rule import domain_payloads
from scripts.eval_intents import BUTTON_ONLY_INTENTS
from scripts.split_writer_data import held_back, nlu_pairs, normalised

ROOT = Path(__file__).resolve().parents[2]
# Every file of domain/, merged as Rasa merges them.
DOMAIN = Domain.load(str(ROOT / "domain"))
# The intents the domain lists (Domain.intents adds Rasa's own, such as back and session_start).
DOMAIN_INTENTS = {intent if isinstance(intent, str) else next(iter(intent)) for intent in DOMAIN.as_dict()["intents"]}
# Enough for the classifier to learn an intent from words nobody wrote down (issue 10: the small
# intents had 15-25 examples and a cross-validated F1 far below the big ones).
MIN_EXAMPLES = 60


def _training() -> list[tuple[str, str]]:
    return [pair for path in sorted((ROOT / "data" / "nlu").glob("*.yml")) for pair in nlu_pairs(path)]


def _measured() -> set[str]:
    """The intent sets. (The safeguarding sets are kept out of the detector's training when it
    trains: bot/safeguarding/conversation.py; "i dont feel safe" must stay a feel_unsafe example.)"""
    texts = set()
    for path in (ROOT / "tests" / "nlu").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        texts |= {normalised(str(item["text"])) for item in data.get("items") or [] if "text" in item}
    return texts


def test_no_button_only_intent_has_a_training_example() -> None:
    # Intents that exist for a button's payload are never learnt from words, so free text is never
    # predicted as one ("I'm called Jayden and I want to complain" was taken as a choice of name).
    assert not BUTTON_ONLY_INTENTS & {intent for intent, _ in _training()}


def test_every_button_only_intent_is_in_the_domain_and_a_button_sends_it() -> None:
    payloads = domain_payloads(DOMAIN.responses)
    for intent in BUTTON_ONLY_INTENTS:
        assert intent in DOMAIN_INTENTS
        assert any(payload == f"/{intent}" or payload.startswith(f"/{intent}{{") for payload in payloads), intent


def test_no_message_of_a_measured_set_is_trained_on() -> None:
    overlap = {normalised(text) for _, text in _training()} & _measured()
    assert not overlap, sorted(overlap)[:10]


def test_no_message_is_taught_as_two_different_intents() -> None:
    intents_of: dict[str, set[str]] = defaultdict(set)
    for intent, text in _training():
        intents_of[normalised(text)].add(intent)
    clashes = {text: sorted(intents) for text, intents in intents_of.items() if len(intents) > 1}
    assert not clashes, clashes


def test_every_intent_a_child_can_type_has_enough_examples() -> None:
    counts: dict[str, int] = defaultdict(int)
    for intent, _ in _training():
        counts[intent] += 1
    typed = DOMAIN_INTENTS - BUTTON_ONLY_INTENTS - {"nlu_fallback"}
    assert {intent: counts[intent] for intent in typed if counts[intent] < MIN_EXAMPLES} == {}


def test_the_held_back_share_is_chosen_by_the_text_alone() -> None:
    data = yaml.safe_load((ROOT / "tests" / "nlu" / "heldback_intents.yml").read_text(encoding="utf-8"))
    assert len(data["items"]) > 1000
    assert all(held_back(item["text"]) for item in data["items"])
