"""No dead ends: every button the bot offers, and a few things children type, at every state.

Through the real stack (the trained model, the action server, the backend) and the REST
channel: from the chat page's first message, breadth-first, every offered button (its
payload) at every state, and six typed answers (plus the real reference and code where
they are asked for) wherever the child is asked something. Each transition runs in a fresh
sender that starts where its path left the child (tests/e2e/crawl.py says how).
A transition fails on the fallback, a button offered twice, silence, or the same question
a third time in a row after the same answer. All failures are collected, then reported.
"""

from __future__ import annotations

import os

from tests.e2e.conftest import RunningStack
from tests.e2e.crawl import Crawler, RasaConversations, State

# What children type at any prompt: a name in a sentence, not knowing, stopping, anonymity,
# a feeling, and a worry about speaking up.
TYPED = ("my name is Sam", "I don't know", "stop", "anonymous", "I am sad", "will i get in trouble for this")
# Deep enough for the longest flow: greeting, a complaint, its questions, named, sent,
# an advocate with consent (11 turns), and a little beyond.
MAX_DEPTH = 13


def test_every_button_and_answer_at_every_state_leads_somewhere(stack: RunningStack) -> None:
    # A real complaint, so the status check can be crawled to its answer.
    reference, code = stack.submit_complaint("The wifi in my room has been broken for two weeks")

    def typed_for(state: State) -> tuple[str, ...]:
        # The real reference and code where they are asked for (in lower case, in a sentence),
        # and both in one message wherever no question is waiting.
        if state.requested_slot == "status_reference":
            return (f"its {reference.lower()}",)
        if state.requested_slot == "status_access_code":
            return (f"my code is {code.lower()}",)
        if state.active_loop is None:
            return (f"hows my complaint going? ref {reference} code {code}",)
        return ()

    replay = os.environ.get("CRAWL_REPLAY") == "1"  # re-send every path instead of restoring it: slow
    crawler = Crawler(RasaConversations(stack.rasa_url, stack.rasa_token), TYPED, typed_for, MAX_DEPTH, replay)
    result = crawler.run("/greet")

    print(
        f"\nbutton crawl: {len(result.states)} states, {result.transitions} transitions, "
        f"{result.turns} turns, deepest path {result.deepest}"
    )
    assert not result.failures, f"{len(result.failures)} dead ends:\n" + "\n".join(map(str, result.failures))
