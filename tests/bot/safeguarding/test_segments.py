"""Splitting a message into the sentences the classifier also reads on their own."""

from __future__ import annotations

from bot.safeguarding.segments import LONG_SENTENCE_WORDS, WINDOW_WORDS, segments


def test_each_sentence_of_a_message_is_a_segment() -> None:
    text = "can we have pizza friday. my uncle comes in my room at night! also the wifi is slow"
    assert segments(text) == ["can we have pizza friday", "my uncle comes in my room at night", "also the wifi is slow"]


def test_line_breaks_and_emoji_end_a_sentence() -> None:
    assert segments("i love it here 😊 but he comes in at night\nand says its a secret") == [
        "i love it here",
        "but he comes in at night",
        "and says its a secret",
    ]


def test_a_short_message_has_no_segments_of_its_own() -> None:
    assert segments("my dad hits me") == []
    assert segments("hi") == []


def test_a_long_run_on_sentence_is_read_in_overlapping_windows() -> None:
    words = [f"w{i}" for i in range(LONG_SENTENCE_WORDS + 10)]
    parts = segments(" ".join(words))
    assert len(parts) >= 3
    assert all(len(p.split()) <= WINDOW_WORDS for p in parts)
    covered = {w for p in parts for w in p.split()}
    assert covered == set(words)  # no word is left unread


def test_odd_input_gives_no_segments() -> None:
    assert segments("") == []
    assert segments("... !!! ???") == []
