"""Checks what the chat page sends before anything reaches Rasa.

Anything malformed gets a 400 with a reason; nothing from the request except the
fields named here is passed on (the metadata is rebuilt, not copied). The home is
not one of them: it comes from the tablet token (bot/channels/tablet_token.py),
and a `metadata.home` the browser sends is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Same rule as the backend's HomeCode, so a home the page sends is one the backend accepts.
HOME_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
# The page makes UUIDs; accept any id-like token of sensible length.
CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_MESSAGE_CHARS = 2000


class ChatRequestError(ValueError):
    """The request cannot be used; the message says why, for a 400 answer."""

    code = "bad_request"


class MessageTooLongError(ChatRequestError):
    """Over MAX_MESSAGE_CHARS: the page asks the child to make it shorter."""

    code = "too_long"


@dataclass(frozen=True)
class ChatMessage:
    sender: str
    text: str
    client_message_id: str


def parse_sender(value: Any) -> str:
    if not isinstance(value, str) or not CLIENT_ID.match(value):
        raise ChatRequestError("sender must be an id of 8-64 letters, digits, '-' or '_'")
    return value


def parse_home(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not HOME_CODE.match(value.strip()):
        raise ChatRequestError("home must be 1-64 letters, digits, '.', '-' or '_'")
    return value.strip()


def parse_chat_message(body: Any) -> ChatMessage:
    if not isinstance(body, dict):
        raise ChatRequestError("the body must be a JSON object")
    sender = parse_sender(body.get("sender"))
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        raise ChatRequestError("message must be non-empty text")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageTooLongError(f"message must be at most {MAX_MESSAGE_CHARS} characters")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise ChatRequestError("metadata must be an object with client_message_id")
    client_message_id = metadata.get("client_message_id")
    if not isinstance(client_message_id, str) or not CLIENT_ID.match(client_message_id):
        raise ChatRequestError("metadata.client_message_id must be an id of 8-64 letters, digits, '-' or '_'")
    return ChatMessage(sender=sender, text=text.strip(), client_message_id=client_message_id)


def parse_after(value: str | None) -> float:
    if value is None or value == "":
        return 0.0
    try:
        after = float(value)
    except ValueError:
        raise ChatRequestError("after must be a Unix timestamp") from None
    if after != after or after in (float("inf"), float("-inf")):
        raise ChatRequestError("after must be a Unix timestamp")
    return after
