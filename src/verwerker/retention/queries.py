"""Reads of the retention app."""

from __future__ import annotations

from django.db.models import QuerySet

from verwerker.retention.models import Hold, RetentionSchedule
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


def list_certificates_for(user) -> QuerySet:
    """Certificates ``user`` may see: a client user their own client's; staff with the view permission all."""
    from verwerker.retention.models import DeletionCertificate

    certificates = DeletionCertificate.objects.select_related("client").defer("body")
    if user.is_client_user:
        return certificates.filter(client_id=user.client_id)
    if user.has_perm("retention.view_deletioncertificate"):
        return certificates
    return certificates.none()


def access_certificate_for(user, certificate_id):
    """The certificate if ``user`` may see it; the same 404 for missing and not-yours."""
    from django.http import Http404

    from verwerker.retention.models import DeletionCertificate

    try:
        return list_certificates_for(user).defer(None).get(pk=certificate_id)
    except (DeletionCertificate.DoesNotExist, ValueError):
        raise Http404("no such certificate") from None
