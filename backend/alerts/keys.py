"""Typed keys for what the alerts context puts on the app."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from backend.alerts.broadcast import AlertBroadcaster
from backend.alerts.dispatch import NotificationDispatcher

BROADCASTER = web.AppKey("alert_broadcaster", AlertBroadcaster)
DISPATCHER = web.AppKey("alert_dispatcher", NotificationDispatcher)
# One client session for webhooks and Rasa's HTTP API.
HTTP = web.AppKey("alert_http", aiohttp.ClientSession)
ESCALATION_TASK = web.AppKey("alert_escalation_task", object)
