"""What the button crawl counts as a dead end, and what it treats as the same screen (no stack needed)."""

from __future__ import annotations

from tests.e2e.crawl import normalise, problems

QUESTION = {
    "text": "What's your first name?",
    "buttons": [{"title": "Keep it anonymous", "payload": "/stay_anonymous"}],
}


def test_the_loop_issue_10_found_is_two_dead_ends() -> None:
    fallback = {"text": "Sorry, I didn't quite get that. You can tap a button or say it another way."}
    invalid = {"text": "Sorry, I need just your first name.", "buttons": QUESTION["buttons"]}

    assert problems([fallback, QUESTION]) == ['fallback ("didn\'t quite get that")']
    assert problems([invalid, QUESTION]) == [
        "the same button twice (payload: ['/stay_anonymous'])",
        "the same button twice (title: ['Keep it anonymous'])",
    ]


def test_silence_and_the_second_fallback_are_dead_ends() -> None:
    assert problems([]) == ["silence: no reply"]
    assert problems([{"text": ""}]) == ["silence: no reply"]
    assert problems([{"text": "I'm sorry, I'm still not getting it. Would you like to talk to a person instead?"}])


def test_a_good_reply_is_not() -> None:
    assert problems([{"text": "OK, it will be anonymous. Nobody will know it was you."}, QUESTION]) == []


def test_what_changes_between_runs_is_taken_out() -> None:
    receipt = "Your reference is CMP-7K4Q-2M and your code is 3R44J3.\nAn answer by Friday 5 December."
    assert normalise(receipt) == "Your reference is <reference> and your code is <code>.\nAn answer by <date>."
    summary = (
        "Here's what I'll send. It's a complaint.\nWhat you told me: \"the wifi\"\nYour name: Sam\nShall I send it?"
    )
    assert normalise(summary) == (
        "Here's what I'll send. It's a complaint.\n"
        "What you told me: <read back>\nYour name: <read back>\nShall I send it?"
    )
