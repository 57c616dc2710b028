"""The breach clock (P24): pure time arithmetic, no ORM."""

from __future__ import annotations

import datetime as dt


def notice_deadline(discovered_at: dt.datetime, hours: int) -> dt.datetime:
    """When the client must have been told: ``hours`` after discovery (the agreement's figure, default 18)."""
    return discovered_at + dt.timedelta(hours=hours)


def due_escalations(deadline: dt.datetime, now: dt.datetime, points: list[int], sent: set[int]) -> list[int]:
    """Escalation points (hours before the deadline) that have been reached and not yet sent, earliest first."""
    return sorted(
        (p for p in points if p not in sent and now >= deadline - dt.timedelta(hours=p)), reverse=True
    )


def time_left(deadline: dt.datetime, now: dt.datetime) -> dt.timedelta:
    return deadline - now


def format_left(left: dt.timedelta) -> str:
    """`5 h 07 min` left, or `overdue 1 h 20 min`."""
    seconds = int(left.total_seconds())
    sign, seconds = ("", seconds) if seconds >= 0 else ("-", -seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{sign}{hours} h {rest // 60:02d} min"
