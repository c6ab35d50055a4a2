"""When a child may be at risk: alert a human first, then tell the child.

Two tiers, both through the durable outbox so nothing is lost while the backend is away:
- an alert (the detector is sure, or the child taps "I don't feel safe", or answers a
  check-in with "yes"): staff are told at once;
- a concern (the detector is unsure): the bot checks in gently and a person reviews it
  within a working day. A "yes" or a worrying answer to the check-in becomes an alert
  that names the concern.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendConfig
from actions.conversation_context import after_anonymous_part, home_of
from actions.outbox import ALERT, CONCERN, SUBMISSION, Outbox, start_delivery_with_server
from actions.redact import redact
from actions.turn_keys import turn_key

MAX_TURNS = 20
MAX_TEXT = 5000
# The concern a check-in is about ({"key": ..., "category": ...}), until the child answers.
CONCERN_SLOT = "safeguarding_concern"


async def deliver(kind: str, payload: dict[str, Any]) -> None:
    # One quick try per pass: the outbox loop does the retrying.
    client = BackendClient(replace(BackendConfig.from_env(), attempts=1, timeout_seconds=3.0))
    if kind == CONCERN:
        await client.create_concern(payload)
    elif kind == SUBMISSION:
        # The receipt's code is not kept: the child's "Try again" gets the record with a fresh one.
        await client.create_submission(payload)
    else:
        await client.create_alert(payload)


start_delivery_with_server(Outbox.from_env, deliver)


def _iso(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat() if timestamp else None


def preceding_turns(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation before the flagged message, oldest first, so staff see the context.
    References and access codes are taken out: staff reading an alert must not learn them.
    Nothing up to an anonymous submission is included: it would say who sent it."""
    turns: list[dict[str, Any]] = []
    events = after_anonymous_part(tracker.events)  # an anonymous submission's words stay anonymous
    for event in events[:-1] if events and events[-1].get("event") == "user" else events:
        kind = event.get("event")
        if kind not in ("user", "bot") or not event.get("text"):
            continue
        speaker = "child" if kind == "user" else "staff" if (event.get("metadata") or {}).get("from_staff") else "bot"
        text = redact(event["text"])[:MAX_TEXT]
        turns.append({"speaker": speaker, "text": text, "time": _iso(event.get("timestamp"))})
    # The flagged message itself is sent separately.
    latest = redact(tracker.latest_message.get("text") or "")
    if turns and turns[-1]["speaker"] == "child" and turns[-1]["text"] == latest:
        turns.pop()
    return turns[-MAX_TURNS:]


def _matched(flag: dict[str, Any]) -> list[str]:
    return [str(m)[:200] for m in (flag.get("matched") or [])][:20]


def _said(text: str, tapped: str) -> str:
    return (redact(text) if not text.startswith("/") else f"Tapped: {tapped}")[:MAX_TEXT]


def alert_payload(tracker: Tracker) -> dict[str, Any]:
    latest = tracker.latest_message
    flag = latest.get("safeguarding") or {}
    pressed_button = (latest.get("intent") or {}).get("name") == "feel_unsafe"
    concern = tracker.get_slot(CONCERN_SLOT) or {}
    if pressed_button:
        # "I don't feel safe" is taken as danger now: a person should go at once.
        severity = "immediate"
    else:
        severity = (flag.get("risk") and flag.get("severity")) or "high"
    payload = {
        "idempotency_key": turn_key(tracker, "alert"),
        # Kept even when the child chose anonymous: they were told this limit at the start.
        "conversation_id": tracker.sender_id,
        "home": home_of(tracker),
        "category": flag.get("category") or concern.get("category") or ("unsafe_general" if pressed_button else None),
        "severity": severity,
        "matched": _matched(flag),
        "message": _said(latest.get("text") or "", "I don't feel safe" if pressed_button else "yes"),
        "preceding_turns": preceding_turns(tracker),
        "detected_at": datetime.now(UTC).isoformat(),
        "source": "button" if pressed_button else "detector",
    }
    if concern.get("key"):
        # Raised while a check-in was open: the concern shows it grew into this alert.
        payload["concern_key"] = concern["key"]
        if not pressed_button and not flag.get("risk"):
            payload["source"] = "check_in"  # the child's answer ("yes", talk to a person) raised it
    return payload


def concern_payload(tracker: Tracker) -> dict[str, Any]:
    latest = tracker.latest_message
    flag = latest.get("safeguarding") or {}
    matched = _matched(flag)
    return {
        "idempotency_key": turn_key(tracker, "concern"),
        "conversation_id": tracker.sender_id,
        "home": home_of(tracker),
        "category": flag.get("category"),
        "matched": matched,
        "message": _said(latest.get("text") or "", "a button"),
        "preceding_turns": preceding_turns(tracker),
        "detected_at": datetime.now(UTC).isoformat(),
        # Raised by reading several messages together, or by this one alone.
        "source": "context" if any(m.startswith("context/") for m in matched) else "detector",
    }


def person_request_payload(tracker: Tracker) -> dict[str, Any]:
    """The child asked to talk to a person: the same route as a safety alert, so staff see it at once."""
    text = tracker.latest_message.get("text") or ""
    payload = {
        **alert_payload(tracker),
        "category": None,
        "severity": "medium",
        "matched": [],
        "message": _said(text, "talk to a person"),
        "source": "person_request",
        # Its own key: asking for a person in the same turn as an alert is a second record.
        "idempotency_key": turn_key(tracker, "person_request"),
    }
    payload.pop("concern_key", None)
    return payload


async def send_through_outbox(payload: dict[str, Any], kind: str = ALERT) -> bool:
    """Store durably, try to deliver now; True when the backend already has it."""
    outbox = Outbox.from_env()
    outbox.put(payload, kind)  # durable before anything else can go wrong
    await outbox.deliver_due(deliver)
    return outbox.is_delivered(payload["idempotency_key"])


def pause_form(tracker: Tracker, keep_answer: bool) -> list[EventType]:
    """Stop the form for now so it can be carried on later. A message that raised an alert
    is not taken as an answer; one that raised a concern may well be the answer, so it stays."""
    form = (tracker.active_loop or {}).get("name")
    if not form:
        return []
    events: list[EventType] = [ActiveLoop(None), SlotSet("interrupted_form", form)]
    requested = tracker.get_slot("requested_slot")
    if requested and not keep_answer:
        events.append(SlotSet(requested, None))
    return [*events, SlotSet("requested_slot", None)]


class ActionEscalateSafeguarding(Action):
    """Runs on any message that raises an alert, whatever the dialogue was doing."""

    def name(self) -> str:
        return "action_escalate_safeguarding"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        payload = alert_payload(tracker)
        await send_through_outbox(payload)

        immediate = payload["severity"] == "immediate"
        dispatcher.utter_message(response="utter_safeguarding_immediate" if immediate else "utter_safeguarding_told")
        events: list[EventType] = [SlotSet(CONCERN_SLOT, None), *pause_form(tracker, keep_answer=False)]
        if (tracker.active_loop or {}).get("name") or tracker.get_slot("interrupted_form"):
            dispatcher.utter_message(response="utter_offer_resume")
        return events


class ActionSafeguardingCheckIn(Action):
    """The detector is unsure: ask the child gently, record a concern for a person to review."""

    def name(self) -> str:
        return "action_safeguarding_check_in"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        payload = concern_payload(tracker)
        await send_through_outbox(payload, CONCERN)
        dispatcher.utter_message(response="utter_safeguarding_check_in")
        return [
            SlotSet(CONCERN_SLOT, {"key": payload["idempotency_key"], "category": payload["category"]}),
            *pause_form(tracker, keep_answer=True),
        ]


class ActionAfterCheckIn(Action):
    """The child said they are OK: thank them, say how to get help later, carry on where they were."""

    def name(self) -> str:
        return "action_after_check_in"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        form = tracker.get_slot("interrupted_form")
        if form:
            dispatcher.utter_message(response="utter_after_check_in")
            return [SlotSet(CONCERN_SLOT, None), SlotSet("interrupted_form", None), FollowupAction(form)]
        dispatcher.utter_message(response="utter_after_check_in_menu")
        return [SlotSet(CONCERN_SLOT, None)]


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
