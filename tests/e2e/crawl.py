"""A breadth-first crawl of the conversation through the real stack (see test_button_crawl.py).

States are told apart by what the child sees (the bot's last message and every button in the
reply, with what changes from run to run taken out: references, codes, dates, the child's
own words read back) and the dialogue state behind it, read from Rasa's tracker (the kind,
named or anonymous, a pending advocate offer, a paused form): the same question in a
compliment and in a complaint leads to different places, and "every flow" means walking
both. While a form asks, the form and the slot it asks for stand for what is seen: "Thanks,
Sam." or "Stuck?" before the same question is the same place to go on from.

Every transition runs in a fresh sender (its own conversation) that starts exactly where the
path left the child: the path's recorded events are put into the new conversation through
Rasa's HTTP API (`PUT /conversations/<id>/tracker/events`, the same events Rasa itself loads
from the tracker store before every message), then the one input goes through the REST
channel, the real NLU, detector, policies, actions and backend. Re-sending every path message
by message took over 15 minutes on two cores for a quarter of the states; this takes a few.
`replay=True` (CRAWL_REPLAY=1 for the test) re-sends the path instead, for a slow, literal run.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

Reply = list[dict[str, Any]]
Events = list[dict[str, Any]]

# What the child sees when the bot did not understand (utter_default, utter_form_fallback,
# utter_fallback_offer_person) or could not help (utter_out_of_scope).
FALLBACK_MARKS = ("didn't quite get that", "still not getting it", "i can't help with that")
# What decides where the same screen leads next. In a form: the form, the slot it asks for,
# the kind, named or anonymous, and (in the advocate form) whether a complaint was just sent.
# Outside a form: a pending advocate offer, a paused form, a submission waiting to be retried.
# Nothing else (an open safety concern, a reference kept from earlier) changes an answer, and
# each would multiply the places to crawl.
FORM_SLOTS = ("requested_slot", "kind", "anonymous")
OUTSIDE_SLOTS = ("advocate_offered", "interrupted_form", "submission_pending")
_REFERENCE = re.compile(r"\b(CMP|CMT|THX)-[0-9A-Z]{4}-[0-9A-Z]{2}\b")
_CODE = re.compile(r"(your code is )[0-9A-Z]{6}\b")
_DATE = re.compile(
    r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\s+\d{1,2}\s+"
    r"(January|February|March|April|May|June|July|August|September|October|November|December)(\s+\d{4})?\b"
)
# The summary reads the child's answers back: "What you told me: ...", "Your name: ...", "1. ...".
_READ_BACK = re.compile(r"^(What you told me|What you'd like to happen|Who it's about|Your name):.*$", re.MULTILINE)
_POINT = re.compile(r"^\d+\. .*$", re.MULTILINE)


@dataclass(frozen=True)
class State:
    key: tuple[Any, ...]
    question: str = field(compare=False)
    buttons: tuple[str, ...] = field(compare=False)
    active_loop: str | None = field(compare=False, default=None)
    requested_slot: str | None = field(compare=False, default=None)

    @property
    def seen(self) -> tuple[str, tuple[str, ...]]:
        """What the child sees: the same question and buttons again is the same question asked again."""
        return self.question, self.buttons


@dataclass
class Failure:
    path: tuple[str, ...]
    sent: str
    reason: str
    reply: Reply

    def __str__(self) -> str:
        said = " | ".join(f"{m.get('text', '')!r} {[b['payload'] for b in m.get('buttons', [])]}" for m in self.reply)
        return f"{' -> '.join(self.path) or '(start)'} -> {self.sent!r}: {self.reason}\n    bot: {said}"


@dataclass
class CrawlResult:
    states: dict[State, tuple[str, ...]] = field(default_factory=dict)
    transitions: int = 0
    turns: int = 0
    deepest: int = 0
    failures: list[Failure] = field(default_factory=list)


def normalise(text: str) -> str:
    """The reply with what differs between runs taken out."""
    text = _CODE.sub(r"\1<code>", text)
    text = _REFERENCE.sub("<reference>", text)
    text = _DATE.sub("<date>", text)
    text = _READ_BACK.sub(r"\1: <read back>", text)
    return _POINT.sub("<point>", text)


def problems(reply: Reply) -> list[str]:
    """What is wrong with one reply on its own: silence, the fallback, a button offered twice."""
    if not any(m.get("text") or m.get("buttons") for m in reply):
        return ["silence: no reply"]
    found = []
    for message in reply:
        text = (message.get("text") or "").lower()
        mark = next((m for m in FALLBACK_MARKS if m in text), None)
        if mark:
            found.append(f"fallback ({mark!r})")
    buttons = [b for m in reply for b in m.get("buttons", [])]
    for key in ("payload", "title"):
        values = [b[key] for b in buttons]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            found.append(f"the same button twice ({key}: {twice})")
    return found


class RasaConversations:
    """The REST channel for turns, Rasa's HTTP API (with its token) for a conversation's events."""

    def __init__(self, rasa_url: str, token: str) -> None:
        self.rasa_url = rasa_url
        self.token = token

    def _call(self, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
        data = None if body is None else json.dumps(body).encode()
        for _ in range(100):
            req = urllib.request.Request(  # noqa: S310 (loopback test server)
                url, data=data, method=method, headers={"Content-Type": "application/json", **headers}
            )
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310
                    return json.loads(resp.read())
            except urllib.error.HTTPError as error:
                if error.code != 429:
                    raise
                # The server says when the next message is allowed: waited out, not raced.
                time.sleep(float(error.headers.get("Retry-After", "1")))
        raise TimeoutError(f"{url} kept saying slow down")

    def say(self, sender: str, message: str) -> Reply:
        url = f"{self.rasa_url}/webhooks/rest/webhook"
        return self._call(
            "POST", url, {"sender": sender, "message": message}, {"Authorization": f"Bearer {self.token}"}
        )

    def tracker(self, sender: str) -> dict[str, Any]:
        return self._call("GET", f"{self.rasa_url}/conversations/{sender}/tracker?token={self.token}", None, {})

    def put_events(self, sender: str, events: Events) -> None:
        self._call("PUT", f"{self.rasa_url}/conversations/{sender}/tracker/events?token={self.token}", events, {})


@dataclass
class Place:
    """A state and how to get back to it: the inputs from the start and the events they left."""

    path: tuple[str, ...]
    events: Events


class Crawler:
    def __init__(
        self,
        rasa: RasaConversations,
        typed: tuple[str, ...],
        typed_for: Callable[[State], tuple[str, ...]],
        max_depth: int,
        replay: bool = False,
    ) -> None:
        self.rasa = rasa
        self.replay = replay
        self.typed = typed
        self.typed_for = typed_for  # extra words for one state (a real reference when asked for one)
        self.max_depth = max_depth
        self.result = CrawlResult()
        self._places: dict[State, Place] = {}

    def _turn(self, sender: str, message: str) -> tuple[Reply, State, Events]:
        reply = self.rasa.say(sender, message)
        self.result.turns += 1
        tracker = self.rasa.tracker(sender)
        slots = tracker["slots"]
        texts = [normalise(m["text"]) for m in reply if m.get("text")]
        question = texts[-1] if texts else ""
        buttons = tuple(b["payload"] for m in reply for b in m.get("buttons", []))
        loop = (tracker.get("active_loop") or {}).get("name")
        asked = slots.get("requested_slot") if loop else None
        if loop:
            key = (
                loop,
                *(slots.get(name) for name in FORM_SLOTS),
                loop == "advocate_form" and bool(slots.get("last_reference")),
            )
        else:
            key = (question, buttons, *(bool(slots.get(name)) for name in OUTSIDE_SLOTS))
        return reply, State(key, question, buttons, loop, asked), tracker["events"]

    def _fresh_sender_at(self, place: Place | None) -> str:
        sender = "crawl-" + uuid.uuid4().hex
        if place is not None and self.replay:
            for message in place.path:
                self.rasa.say(sender, message)
                self.result.turns += 1
        elif place is not None:
            self.rasa.put_events(sender, place.events)
        return sender

    def inputs(self, state: State) -> list[str]:
        """Every button offered; the typed answers wherever the child is asked something (a question
        or buttons): not after "We'll pass your thanks on.", which waits for nothing."""
        offered = list(dict.fromkeys(state.buttons))
        if not (offered or "?" in state.question or state.active_loop):
            return offered
        return offered + [t for t in (*self.typed, *self.typed_for(state)) if t not in offered]

    def run(self, first: str) -> CrawlResult:
        sender = self._fresh_sender_at(None)
        reply, start, events = self._turn(sender, first)
        for reason in problems(reply):
            self.result.failures.append(Failure((), first, reason, reply))
        self._remember(start, Place((first,), events))
        queue: deque[State] = deque([start])
        while queue:
            state = queue.popleft()
            place = self._places[state]
            if len(place.path) >= self.max_depth:
                continue
            for sent in self.inputs(state):
                self._transition(state, place, sent, queue)
        return self.result

    def _remember(self, state: State, place: Place) -> bool:
        if state in self._places:
            return False
        self._places[state] = place
        self.result.states[state] = place.path
        self.result.deepest = max(self.result.deepest, len(place.path))
        logger.info("state %d at depth %d: %s", len(self._places), len(place.path), place.path)
        return True

    def _transition(self, state: State, place: Place, sent: str, queue: deque[State]) -> None:
        self.result.transitions += 1
        sender = self._fresh_sender_at(place)
        reply, new, events = self._turn(sender, sent)
        found = problems(reply)
        if not found and new.seen == state.seen and "?" in state.question:
            # Asked again: a third time in a row is a loop the child cannot leave by answering.
            # (Only questions: "OK, I've stopped." said again to "stop" asks nothing.)
            _, third, _ = self._turn(sender, sent)
            if third.seen == state.seen:
                found.append("the same question a third time in a row")
        for reason in found:
            self.result.failures.append(Failure(place.path, sent, reason, reply))
            logger.warning("dead end: %s", self.result.failures[-1])
        # A dead end is reported once; what follows it is not crawled (it would report the same end again).
        if not found and self._remember(new, Place((*place.path, sent), events)):
            queue.append(new)
