"""Dead ends issue 10 found, each replayed through the real stack (model, actions, backend)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import RunningStack, texts
from tests.e2e.crawl import problems
from tests.helpers import sqlite_rows

REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[2-9A-Z]{4}-[2-9A-Z]{2}\b")
# Up to "What's your first name?" in a complaint.
TO_FIRST_NAME = ("/greet", "/make_complaint", "/affirm", "the wifi in my room is broken", "/deny", "/dont_know")


def _walk(stack: RunningStack, sender: str, messages: tuple[str, ...]) -> list[dict]:
    replies: list[dict] = []
    for message in messages:
        replies = stack.say(sender, message)
        assert not problems(replies), (message, replies)
    return replies


@pytest.mark.parametrize("change_of_mind", ["/stay_anonymous", "anonymous", "actually keep it anonymous"])
def test_keep_it_anonymous_at_the_name_question_finishes_anonymously(stack: RunningStack, change_of_mind: str) -> None:
    sender = stack.new_sender()
    asked = _walk(stack, sender, (*TO_FIRST_NAME, "/use_my_name"))
    assert "first name" in texts(asked)

    summary = stack.say(sender, change_of_mind)

    assert not problems(summary), summary
    assert "not included (anonymous)" in texts(summary)
    receipt = texts(stack.say(sender, "/affirm"))
    (row,) = stack.rows("SELECT * FROM submissions WHERE reference = ?", REFERENCE.search(receipt).group(0))
    assert row["anonymous"] == 1 and row["first_name"] is None and row["conversation_id"] is None


def test_a_wrong_name_answer_shows_the_anonymous_button_once(stack: RunningStack) -> None:
    sender = stack.new_sender()
    _walk(stack, sender, (*TO_FIRST_NAME, "/use_my_name"))

    again = stack.say(sender, "my name is Sam and I am 12")

    assert [b["payload"] for m in again for b in m.get("buttons", [])] == ["/stay_anonymous"]


def test_i_dont_know_at_the_name_question_goes_back_to_the_choice(stack: RunningStack) -> None:
    sender = stack.new_sender()
    _walk(stack, sender, (*TO_FIRST_NAME, "/use_my_name"))

    back = stack.say(sender, "I don't know")

    assert not problems(back), back
    assert "Do you want to say who you are?" in texts(back)


def test_an_advocate_asked_for_by_name_can_still_be_anonymous(stack: RunningStack) -> None:
    sender = stack.new_sender()
    _walk(stack, sender, ("/greet", "/request_advocate", "/use_my_name"))

    done = stack.say(sender, "/stay_anonymous")

    assert not problems(done), done
    assert "they won't know your name" in texts(done)


@pytest.mark.parametrize(
    "message",
    [
        "hows my complaint going? ref {ref} code {code}",
        "code {code} ref {ref} hows it going",
        "can u check {ref_lower} {code_lower} pls",
        "HOW IS MY COMPLAINT GOING {REF_NO_DASHES} {code}",
    ],
)
def test_a_reference_and_a_code_in_one_message_are_both_used(stack: RunningStack, message: str) -> None:
    reference, code = stack.submit_complaint("Nobody fixed the shower")
    text = message.format(
        ref=reference,
        code=code,
        ref_lower=reference.lower(),
        code_lower=code.lower(),
        REF_NO_DASHES=reference.replace("-", " "),
    )

    answer = texts(stack.say(stack.new_sender(), text))

    assert f"Here's how {reference} is going" in answer, answer
    assert code not in answer


def test_a_reference_and_code_given_when_only_the_reference_was_asked_for(stack: RunningStack) -> None:
    reference, code = stack.submit_complaint("Nobody fixed the shower")
    sender = stack.new_sender()
    assert "reference" in texts(stack.say(sender, "/check_status"))

    answer = texts(stack.say(sender, f"{reference} and the code is {code}"))

    assert f"Here's how {reference} is going" in answer, answer


@pytest.mark.parametrize(
    "messages",
    [
        ("hows my complaint going? ref {ref} code {code}",),
        ("{ref_lower} {code_lower}",),
        ("/check_status", "{ref}", "its {code_lower}"),
    ],
)
@pytest.mark.single_stack
def test_the_code_is_never_stored_however_it_was_given(stack: RunningStack, messages: tuple[str, ...]) -> None:
    reference, code = stack.submit_complaint("Nobody fixed the shower")
    sender = stack.new_sender()

    for message in messages:
        answer = texts(
            stack.say(
                sender, message.format(ref=reference, code=code, ref_lower=reference.lower(), code_lower=code.lower())
            )
        )
    assert f"Here's how {reference} is going" in answer, answer

    rows = sqlite_rows(stack.tracker_path, "SELECT data FROM events WHERE sender_id = ?", sender)
    stored = "\n".join(row["data"] for row in rows).upper()
    assert "CHECK_STATUS" in stored  # the conversation was stored...
    assert code not in stored  # ...without the code, in any case
    assert reference not in stored  # or the reference in plain text


def test_i_am_sad_gets_a_kind_answer_a_person_and_childline_never_a_goodbye(stack: RunningStack) -> None:
    sender = stack.new_sender()
    _walk(stack, sender, ("/greet",))

    replies = stack.say(sender, "I am sad")

    said = texts(replies)
    assert "It's OK to feel sad" in said and "0800 1111" in said
    assert "come back any time" not in said
    assert "/talk_to_person" in [b["payload"] for r in replies for b in r.get("buttons", [])]


def test_a_feeling_inside_the_form_is_answered_and_the_question_comes_again(stack: RunningStack) -> None:
    sender = stack.new_sender()
    # Up to "What would you like to happen now?"
    asked = _walk(stack, sender, ("/greet", "/make_complaint", "/affirm", "the wifi in my room is broken", "/deny"))

    replies = stack.say(sender, "im feeling really lonely today")

    assert "It's OK to feel lonely" in texts(replies)
    assert texts(asked).splitlines()[-1] in texts(replies)  # the same question, asked again


def test_a_worry_about_getting_in_trouble_gets_an_honest_answer_and_the_choice(stack: RunningStack) -> None:
    sender = stack.new_sender()
    _walk(stack, sender, ("/greet",))

    replies = stack.say(sender, "will i get in trouble for complaining about staff")

    assert "You won't get in trouble for complaining" in texts(replies)
    assert "/make_complaint" in [b["payload"] for r in replies for b in r.get("buttons", [])]


def test_a_kind_typed_at_which_kind_is_chosen_without_being_asked_to_confirm(stack: RunningStack) -> None:
    sender = stack.new_sender()
    _walk(stack, sender, ("/greet", "i want to tell you something about staff"))

    replies = stack.say(sender, "its a complaint")

    assert not problems(replies), replies
    assert "what happened" in texts(replies).lower()
