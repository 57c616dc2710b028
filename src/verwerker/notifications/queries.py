"""Reads of the notifications app: a person's list, their unread count and their e-mail preferences."""

from __future__ import annotations

from django.db.models import QuerySet

from verwerker.notifications.models import ALWAYS_EMAILED, EmailOptOut, Kind, Notification


def notifications_for(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first (nobody sees another's)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    """How many of the user's notifications are unread (one indexed count)."""
    return notifications_for(user).filter(read_at__isnull=True).count()


def email_preferences(user) -> list[tuple[str, str, bool, bool]]:
    """Per kind: (code, label, e-mailed, can be switched off)."""
    off = set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
    return [(k.value, str(k.label), k not in off or k in ALWAYS_EMAILED, k not in ALWAYS_EMAILED) for k in Kind]
