"""What a member of staff who joins a conversation is shown of it."""

from __future__ import annotations

from backend.handoff.rasa import ANONYMOUS_SENT_SLOT, EARLIER_HIDDEN, chat_lines


def test_nothing_up_to_an_anonymous_submission_is_shown_and_the_note_does_not_say_why() -> None:
    tracker = {
        "events": [
            {"event": "user", "text": "the night staff shout at us", "timestamp": 1_700_000_000.0},
            {"event": "bot", "text": "Thank you. I've sent it. As it's anonymous, nobody will reply."},
            {"event": "slot", "name": ANONYMOUS_SENT_SLOT, "value": 1_700_000_100.0},
            {"event": "user", "text": "can i talk to a real person", "timestamp": 1_700_000_200.0},
            {"event": "pause"},
        ]
    }
    lines, paused = chat_lines(tracker)
    texts = [line.text for line in lines]
    assert texts == [EARLIER_HIDDEN, "can i talk to a real person", "Bot paused: a person joined"]
    assert "anonymous" not in " ".join(texts).lower()
    assert paused


def test_a_conversation_without_an_anonymous_submission_is_shown_whole() -> None:
    tracker = {
        "events": [
            {"event": "user", "text": "hi"},
            {"event": "bot", "text": "Hello!"},
            {"event": "bot", "text": "Hi, I'm Sam T.", "metadata": {"from_staff": True, "staff_name": "Sam T"}},
        ]
    }
    lines, paused = chat_lines(tracker)
    assert [(line.speaker, line.text) for line in lines] == [
        ("child", "hi"),
        ("bot", "Hello!"),
        ("staff", "Hi, I'm Sam T."),
    ]
    assert not paused
