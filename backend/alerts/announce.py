"""After a new alert is committed: tell the open staff pages, then the notifiers (API and staff alike)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp import web

from backend.alerts.keys import BROADCASTER, DISPATCHER
from backend.alerts.models import Alert
from backend.alerts.store import summary

log = logging.getLogger(__name__)


def announce(app: web.Application, alert: Alert, notification_ids: Iterable[int], how: str = "") -> None:
    """Never raises and never waits: the caller is answering a request, and the alert is already stored."""
    log.warning(
        "SAFEGUARDING ALERT %s: home %s, %s/%s (source %s)%s",
        alert.id,
        alert.home_code,
        alert.category,
        alert.severity,
        alert.source,
        how,
    )
    try:
        app[BROADCASTER].publish(summary(alert).model_dump(mode="json"))
        app[DISPATCHER].kick(notification_ids)
    except Exception:
        # The escalation loop's poll will still send what is pending.
        log.exception("alert %s stored but live notification failed", alert.id)
