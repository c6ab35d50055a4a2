"""Text-speak and misspellings become plain English before matching."""

from __future__ import annotations

import pytest

from bot.safeguarding.detector import SafeguardingDetector
from bot.safeguarding.normalise import Normaliser, NormaliseRules, normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kms", "kill myself"),
        ("ppl tell me to kys", "people tell me to kill yourself"),
        ("i wanna die", "i want to die"),
        ("im gonna run away", "i'm going to run away"),
        ("dont tell ur mum", "don't tell your mum"),
        ("i want to unalive myself", "i want to kill myself"),
        ("i've been having sewer slide thoughts", "i've been having suicide thoughts"),
        ("i been doing sh again", "i been doing self harm again"),
        ("my sh scars", "my self harm scars"),
        ("I\u2019M SCARED", "i'm scared"),
        ("selfharm", "self harm"),
        ("i hurt my self", "i hurt myself"),
    ],
)
def test_text_speak_becomes_plain_english(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_sh_on_its_own_is_left_alone() -> None:
    assert normalise("sh be quiet") == "sh be quiet"


def test_dye_my_hair_is_not_turned_into_die() -> None:
    assert normalise("i want to dye my hair") == "i want to dye my hair"


def test_dye_meaning_die_is_corrected() -> None:
    assert normalise("i just want to dye") == "i just want to die"


@pytest.fixture(scope="module")
def with_dictionary(patterns_only: SafeguardingDetector) -> Normaliser:
    return patterns_only.normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("self harmin", "self harming"),
        ("he keeps hurtin me", "he keeps hurting me"),
        ("pleeease help", "please help"),
        ("i want to diiie", "i want to die"),
        ("k1ll myself", "kill myself"),
        ("sooo bored", "so bored"),
    ],
)
def test_dropped_g_repeats_and_leetspeak_use_the_dictionary(
    with_dictionary: Normaliser, text: str, expected: str
) -> None:
    assert with_dictionary(text) == expected


def test_times_and_year_groups_are_not_leetspeak(with_dictionary: Normaliser) -> None:
    assert with_dictionary("at 3am the year10s") == "at 3am the year10s"


def test_rules_load_from_yaml_with_words_and_phrases() -> None:
    rules = NormaliseRules.from_yaml()
    assert rules.words["kms"] == "kill myself"
    assert rules.phrases, "context rules are loaded"
    assert rules.lemma_fixes["does"] == "do"


def test_emoji_that_say_a_word_are_read_as_that_word() -> None:
    assert normalise("he said its our secret 🤫") == "he said its our secret secret"
    assert normalise("i want to 🔪 myself") == "i want to knife myself"
    assert normalise("☠️ done") == "dead done"  # with the variation selector phones add


def test_laughing_emoji_stay_for_the_laughter_check() -> None:
    assert normalise("lol 😂💀") == "lol 😂💀"
