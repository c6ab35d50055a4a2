"""Escalation when a child may be at risk: alert a human first, then tell the child."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendConfig
from actions.conversation_context import home_of
from actions.outbox import Outbox, start_delivery_with_server

MAX_TURNS = 20
MAX_TEXT = 5000


async def deliver_alert(payload: dict[str, Any]) -> None:
    # One quick try per pass: the outbox loop does the retrying.
    config = replace(BackendConfig.from_env(), attempts=1, timeout_seconds=3.0)
    await BackendClient(config).create_alert(payload)


start_delivery_with_server(Outbox.from_env, deliver_alert)


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


def preceding_turns(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation before the flagged message, oldest first, so staff see the context."""
    turns: list[dict[str, Any]] = []
    for event in (
        tracker.events[:-1] if tracker.events and tracker.events[-1].get("event") == "user" else tracker.events
    ):
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        speaker = "child" if kind == "user" else "staff" if (event.get("metadata") or {}).get("from_staff") else "bot"
        turns.append({"speaker": speaker, "text": event["text"][:MAX_TEXT], "time": _iso(event.get("timestamp"))})
    # The flagged message itself is sent separately.
    if turns and turns[-1]["speaker"] == "child" and turns[-1]["text"] == (tracker.latest_message.get("text") or ""):
        turns.pop()
    return turns[-MAX_TURNS:]


def alert_payload(tracker: Tracker) -> dict[str, Any]:
    latest = tracker.latest_message
    flag = latest.get("safeguarding") or {}
    pressed_button = (latest.get("intent") or {}).get("name") == "feel_unsafe"
    text = latest.get("text") or ""
    return {
        "idempotency_key": uuid.uuid4().hex,
        # Kept even when the child chose anonymous: they were told this limit at the start.
        "conversation_id": tracker.sender_id,
        "home": home_of(tracker),
        "category": flag.get("category") or ("unsafe_general" if pressed_button else None),
        # "I don't feel safe" is taken as danger now: a person should go at once.
        "severity": flag.get("severity") or ("immediate" if pressed_button else "high"),
        "matched": [str(m)[:200] for m in (flag.get("matched") or [])][:20],
        "message": (text if not text.startswith("/") else "Tapped: I don't feel safe")[:MAX_TEXT],
        "preceding_turns": preceding_turns(tracker),
        "detected_at": datetime.now(UTC).isoformat(),
        "source": "button" if pressed_button else "detector",
    }


def person_request_payload(tracker: Tracker) -> dict[str, Any]:
    """The child asked to talk to a person: the same route as a safety alert, so staff see it at once."""
    text = tracker.latest_message.get("text") or ""
    return {
        **alert_payload(tracker),
        "category": None,
        "severity": "medium",
        "matched": [],
        "message": (text if not text.startswith("/") else "Tapped: talk to a person")[:MAX_TEXT],
        "source": "person_request",
    }


async def send_through_outbox(payload: dict[str, Any]) -> bool:
    """Store durably, try to deliver now; True when the backend already has it."""
    outbox = Outbox.from_env()
    outbox.put(payload)  # durable before anything else can go wrong
    await outbox.deliver_due(deliver_alert)
    return outbox.is_delivered(payload["idempotency_key"])


class ActionEscalateSafeguarding(Action):
    """Runs on any flagged message, whatever the dialogue was doing."""

    def name(self) -> str:
        return "action_escalate_safeguarding"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        payload = alert_payload(tracker)
        await send_through_outbox(payload)

        immediate = payload["severity"] == "immediate"
        dispatcher.utter_message(response="utter_safeguarding_immediate" if immediate else "utter_safeguarding_told")
        events: list[EventType] = []
        form = (tracker.active_loop or {}).get("name")
        if form:
            # Pause the form; the words just typed were not an answer to its question.
            requested = tracker.get_slot("requested_slot")
            events += [ActiveLoop(None), SlotSet("interrupted_form", form)]
            if requested:
                events += [SlotSet(requested, None), SlotSet("requested_slot", None)]
            dispatcher.utter_message(response="utter_offer_resume")
        return events


class ActionResumeForm(Action):
    """The child chose to carry on with what they were doing before."""

    def name(self) -> str:
        return "action_resume_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form = tracker.get_slot("interrupted_form")
        if not form:
            dispatcher.utter_message(response="utter_default")
            return []
        return [SlotSet("interrupted_form", None), FollowupAction(form)]
