"""Chat -> Rasa -> actions -> backend -> database, with every service a real process."""

from __future__ import annotations

import re

from tests.e2e.conftest import RunningStack, texts

REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[2-9A-Z]{4}-[2-9A-Z]{2}\b")


def _payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


def test_complaint_typed_as_free_text_ends_in_a_stored_record(stack: RunningStack) -> None:
    sender = stack.new_sender()
    greeting = texts(stack.say(sender, "hi"))
    assert "tell an adult" in greeting  # the one limit of confidentiality, said up front

    replies = stack.say(sender, "I want to complain, staff took my phone for no reason")
    assert "complaint" in texts(replies).lower()
    assert "/affirm" in _payloads(replies)  # the child confirms or changes the kind

    # The walk through the questions: answer whatever is asked until the summary.
    answers = {
        "anything else": "/deny",
        "happen": "I want my phone back and to know why",
        "who you are": "/use_my_name",
        "first name": "Sam",
    }
    summary = stack.answer_until_summary(sender, stack.say(sender, "/affirm"), answers)
    assert "staff took my phone" in summary and "Sam" in summary

    receipt = texts(stack.say(sender, "/affirm"))
    match = REFERENCE.search(receipt)
    assert match, receipt
    (row,) = stack.rows("SELECT * FROM submissions WHERE reference = ?", match.group(0))
    assert row["kind"] == "complaint"
    assert "staff took my phone" in row["what_happened"]
    assert row["desired_outcome"] == "I want my phone back and to know why"
    assert row["anonymous"] == 0
    assert row["first_name"] == "Sam"
    assert row["conversation_id"] == sender
    assert row["home_code"] == "e2e-home"
    assert row["access_code_hash"].startswith("$argon2")


def test_model_parse_reports_intent(stack: RunningStack) -> None:
    import json
    import urllib.request

    req = urllib.request.Request(  # noqa: S310
        stack.rasa_api("/model/parse"), data=json.dumps({"text": "Sam helped me with my homework"}).encode()
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        parsed = json.loads(resp.read())
    assert parsed["intent"]["name"] == "give_compliment"
