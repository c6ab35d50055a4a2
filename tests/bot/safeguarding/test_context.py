"""A message weighed with the conversation before it (context.py), on hand-made detections."""

from __future__ import annotations

from bot.safeguarding.context import WINDOW, in_context
from bot.safeguarding.detector import CONCERN, NONE, RISK, Detection

QUIET = Detection()
WEAK = Detection(NONE, probability=0.3, weak=True, leaning="sexual_abuse")
HINT = Detection(CONCERN, "unsafe_general", "medium", ["unsafe_general/cant_say"], 0.5)
ALERT = Detection(RISK, "physical_abuse", "high", ["physical_abuse/hits_me"], 0.99)


def test_a_message_on_its_own_is_unchanged() -> None:
    assert in_context(WEAK, []) == WEAK
    assert in_context(HINT, [QUIET, QUIET]) == HINT


def test_an_alert_stays_an_alert() -> None:
    assert in_context(ALERT, [HINT, WEAK]) == ALERT


def test_two_weak_signals_make_a_concern() -> None:
    result = in_context(WEAK, [QUIET, WEAK, QUIET])
    assert result.level == CONCERN
    assert result.category == "sexual_abuse"
    assert "context/second_signal" in result.matched


def test_a_hint_earlier_makes_a_later_weak_signal_a_concern() -> None:
    assert in_context(WEAK, [HINT, QUIET]).level == CONCERN


def test_a_second_concern_is_a_live_alert() -> None:
    result = in_context(HINT, [HINT, QUIET])
    assert (result.level, result.severity) == (RISK, "high")
    assert "context/after_earlier_concern" in result.matched


def test_a_concern_after_an_alert_goes_straight_to_a_person() -> None:
    assert in_context(HINT, [ALERT]).level == RISK


def test_a_disclosure_split_over_two_messages_is_read_together() -> None:
    together = Detection(RISK, "sexual_abuse", "high", ["sexual_abuse/in_my_room_at_night"], 0.97)
    result = in_context(QUIET, [QUIET], read_together=lambda: together)
    assert (result.level, result.category) == (RISK, "sexual_abuse")
    assert "context/read_with_previous" in result.matched


def test_reading_together_counts_only_when_it_adds_something() -> None:
    # The previous message was already an alert: "ok" after it is not a second alert.
    result = in_context(QUIET, [ALERT], read_together=lambda: ALERT)
    assert result == QUIET


def test_signals_older_than_the_window_are_forgotten() -> None:
    earlier = [WEAK] + [QUIET] * WINDOW
    assert in_context(WEAK, earlier).level == NONE


def test_ordinary_messages_stay_ordinary() -> None:
    assert in_context(QUIET, [QUIET, QUIET], read_together=lambda: QUIET) == QUIET
