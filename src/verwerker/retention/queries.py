"""Reads of the retention app."""

from __future__ import annotations

from django.db.models import QuerySet

from verwerker.accounts.scoping import access, scoped
from verwerker.retention.models import DeletionCertificate, Hold, RetentionSchedule
from verwerker.retention.rules import DEFAULTS, RecordClass


def get_keep_days(record_class: str) -> int | None:
    """Days ``record_class`` is kept per its schedule (the seeded default if the row is missing)."""
    row = RetentionSchedule.objects.filter(record_class=record_class).values_list("keep_days", flat=True).first()
    if row is None and not RetentionSchedule.objects.filter(record_class=record_class).exists():
        return DEFAULTS[RecordClass(record_class)]["keep_days"]
    return row


def list_schedules() -> QuerySet[RetentionSchedule]:
    return RetentionSchedule.objects.order_by("record_class")


def active_holds(object_type: str | None = None) -> QuerySet[Hold]:
    holds = Hold.objects.filter(released_at__isnull=True)
    if object_type is not None:
        holds = holds.filter(object_type=object_type)
    return holds


def held_ids(object_type: str) -> set[str]:
    """Ids (as text) of objects of ``object_type`` under an active hold."""
    return set(active_holds(object_type).values_list("object_id", flat=True))


def is_held(object_type: str, object_id) -> bool:
    return active_holds(object_type).filter(object_id=str(object_id)).exists()


def list_certificates_for(user) -> QuerySet[DeletionCertificate]:
    """Certificates ``user`` may see: a client user their own client's; staff with the view permission all."""
    return scoped(DeletionCertificate.objects.select_related("client").defer("body"), user,
                  "retention.view_deletioncertificate")


def access_certificate_for(user, certificate_id) -> DeletionCertificate:
    """The certificate if ``user`` may see it; the same 404 for missing and not-yours."""
    return access(DeletionCertificate.objects.select_related("client"), user, "retention.view_deletioncertificate",
                  certificate_id, what="certificate")
