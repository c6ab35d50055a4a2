"""Rasa's HTTP API, as the handoff needs it: append events to a conversation, read it back.

Events use Rasa's own JSON names (rasa/shared/core/events.py): "pause" is
ConversationPaused, "resume" is ConversationResumed, "bot" is BotUttered with
text and metadata. The child's chat page shows a "bot" event whose metadata says
`from_staff` as a message from a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=10)

JOINED_TEXT = "Hi, I'm {name}. I'm a person, not the bot. I'm here to help."
# Only from_staff messages reach the chat page, so the goodbye comes from the person, then the bot resumes.
LEFT_TEXT = (
    "I'm leaving the chat now, and the bot is back. If you don't feel safe, tap \"I don't feel safe\" at any time."
)


# Set by the actions when an anonymous submission is sent (actions/conversation_context.py).
ANONYMOUS_SENT_SLOT = "anonymous_sent_at"
EARLIER_HIDDEN = "Earlier messages in this chat are not shown."


class RasaError(Exception):
    """Rasa could not be reached or refused the request; the reason is safe to show staff."""


def staff_message(text: str, staff_name: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"from_staff": True, "staff_name": staff_name}}


@dataclass(frozen=True)
class ChatLine:
    speaker: str  # "child" | "bot" | "staff" | "system"
    text: str
    time: datetime | None
    staff_name: str | None = None


class RasaClient:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str = "") -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._token = token
        # Rasa 3.6 takes its auth token as `?token=` only (rasa/server.py requires_auth);
        # its access log is off (bot/request_limits.py), and errors below never carry the URL.
        self._params = {"token": token}

    def _check_token(self) -> None:
        # Rasa's API always needs the token; without one every call would be refused anyway.
        if not self._token:
            raise RasaError("the backend has no RASA_AUTH_TOKEN, so it cannot reach the chat service")

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self._base}/conversations/{quote(conversation_id, safe='')}/{tail}"

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        self._check_token()
        try:
            async with self._http.post(
                self._url(conversation_id, "tracker/events"), json=events, params=self._params, timeout=TIMEOUT
            ) as resp:
                if resp.status >= 300:
                    raise RasaError(f"the chat service answered HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaError(f"the chat service could not be reached ({type(exc).__name__})") from exc

    async def join(self, conversation_id: str, staff_name: str) -> None:
        await self.append(
            conversation_id,
            [
                {"event": "pause", "metadata": {"staff_name": staff_name}},
                staff_message(JOINED_TEXT.format(name=staff_name), staff_name),
            ],
        )

    async def say(self, conversation_id: str, staff_name: str, text: str) -> None:
        await self.append(conversation_id, [staff_message(text, staff_name)])

    async def leave(self, conversation_id: str, staff_name: str) -> None:
        # The goodbye is the person's own last message, sent before the bot is back.
        await self.append(conversation_id, [staff_message(LEFT_TEXT, staff_name), {"event": "resume"}])

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        self._check_token()
        try:
            async with self._http.get(
                self._url(conversation_id, "tracker"), params=self._params, timeout=TIMEOUT
            ) as resp:
                if resp.status >= 300:
                    raise RasaError(f"the chat service answered HTTP {resp.status}")
                data = await resp.json()
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise RasaError(f"the chat service could not be read ({type(exc).__name__})") from exc
        if not isinstance(data, dict):
            raise RasaError("the chat service sent something unexpected")
        return data


def chat_lines(tracker: dict[str, Any]) -> tuple[list[ChatLine], bool]:
    """The conversation as staff see it, and whether the bot is paused now."""
    lines: list[ChatLine] = []
    paused = False
    for event in tracker.get("events") or []:
        if not isinstance(event, dict):
            continue
        kind = event.get("event")
        if kind == "slot" and event.get("name") == ANONYMOUS_SENT_SLOT:
            # The child sent something anonymously: nothing said up to here is shown, and the
            # note does not say why (that alone would tell the reader this child sent it).
            lines = [ChatLine("system", EARLIER_HIDDEN, None)]
            continue
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else None
        if kind == "user" and isinstance(event.get("text"), str):
            lines.append(ChatLine("child", event["text"], at))
        elif kind == "bot" and isinstance(event.get("text"), str):
            meta = event.get("metadata") or {}
            if isinstance(meta, dict) and meta.get("from_staff"):
                lines.append(ChatLine("staff", event["text"], at, str(meta.get("staff_name") or "staff")))
            else:
                lines.append(ChatLine("bot", event["text"], at))
        elif kind == "pause":
            paused = True
            lines.append(ChatLine("system", "Bot paused: a person joined", at))
        elif kind == "resume":
            paused = False
            lines.append(ChatLine("system", "Bot resumed", at))
    if isinstance(tracker.get("paused"), bool):
        paused = tracker["paused"]
    return lines, paused
