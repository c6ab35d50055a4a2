"""Anonymous records keep the day they arrived, never the time of day.

In a home of five children the minute a complaint arrived often says who made it (who
had the tablet then). So an anonymous record is stored at the start of its day in
England: the time never exists, and the date (all the deadlines need) stays exact.
Pages, lists and API answers show only the date for these records.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

from backend.deadlines import LONDON


def day_only(moment: datetime) -> datetime:
    """Midnight in England at the start of `moment`'s day, as UTC."""
    day = moment.astimezone(LONDON).date()
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
