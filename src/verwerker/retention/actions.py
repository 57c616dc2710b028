"""Writes of the retention app: holds and schedule changes. Atomic and audited.

Purges live in purge.py (chunked, one transaction per chunk); certificates in certificates.py.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Agreement, Client
from verwerker.clients.queries import get_active_agreement
from verwerker.retention.certificates import SUBJECT_PURGE, canonical_json, certificate_body, reason_for
from verwerker.retention.models import (
    DeletionCertificate,
    DeletionCertificateItem,
    DeletionReason,
    Hold,
    RetentionSchedule,
)
from verwerker.retention.rules import RecordClass, schedule_problems
from verwerker.vault.models import Blob, BlobState

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # types only: django-stubs is a lint dependency

# What a hold may name, and how to find the client it belongs to.
HOLDABLE = {"vault.blob", "clients.client"}
# The house's own relations (crm.purge honours these); they belong to no client.
CRM_HOLDABLE = {"crm.person", "crm.organisation", "crm.financialrecord", "crm.contractterm"}
HOLDABLE |= CRM_HOLDABLE


def _client_of(object_type: str, object_id: str) -> int | None:
    if object_type in CRM_HOLDABLE:
        return None
    if object_type == "clients.client":
        if not Client.objects.filter(pk=object_id).exists():
            raise ValidationError(_lazy("no client %(id)s"), params={"id": object_id})
        return int(object_id)

    try:
        return Blob.objects.values_list("client_id", flat=True).get(pk=object_id)
    except (Blob.DoesNotExist, ValueError, ValidationError):
        raise ValidationError(_lazy("no blob %(id)s"), params={"id": object_id}) from None


@transaction.atomic
def do_place_hold(object_type: str, object_id, *, reason: str, actor: Actor) -> Hold:
    """Exempt one object from purges until released. Raises ValidationError for an unknown object or no reason."""
    object_id = str(object_id)
    if object_type not in HOLDABLE:
        raise ValidationError(
            _lazy("a hold can name %(kinds)s, not '%(kind)s'"),
            params={"kinds": ", ".join(sorted(HOLDABLE)), "kind": object_type},
        )
    if not reason.strip():
        raise ValidationError(_lazy("a hold needs a reason"))
    client_id = _client_of(object_type, object_id)
    hold = Hold.objects.create(
        object_type=object_type, object_id=object_id, client_id=client_id, reason=reason.strip(), placed_by=actor.label
    )
    do_record_event(
        EventType.HOLD_PLACED,
        actor=actor,
        client_id=client_id,
        obj=hold,
        details={"object_type": object_type, "object_id": object_id, "reason": hold.reason},
    )
    return hold


@transaction.atomic
def do_release_hold(hold: Hold, *, reason: str = "", actor: Actor) -> Hold:
    """Release a hold; the object falls under its retention again at the next purge. Idempotent."""
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        return hold
    hold.released_at, hold.released_by, hold.release_reason = timezone.now(), actor.label, reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    do_record_event(
        EventType.HOLD_RELEASED,
        actor=actor,
        client_id=hold.client_id,
        obj=hold,
        details={"object_type": hold.object_type, "object_id": hold.object_id, "reason": reason},
    )
    return hold


@transaction.atomic
def do_change_retention_schedule(record_class: str, *, keep_days: int | None, actor: Actor) -> RetentionSchedule:
    """Set how long a record class is kept. Raises ValidationError if the set of schedules would break a rule
    (audit events never shorter than the longest other class; only audit events kept indefinitely)."""
    record_class = RecordClass(record_class)
    current = dict(RetentionSchedule.objects.select_for_update().values_list("record_class", "keep_days"))
    before = current.get(record_class)
    current[record_class] = keep_days
    problems = schedule_problems(current)
    if problems:
        raise ValidationError(problems)
    schedule = RetentionSchedule.objects.get(record_class=record_class)
    schedule.keep_days, schedule.updated_at = keep_days, timezone.now()
    schedule.save(update_fields=["keep_days", "updated_at"])
    do_record_event(
        EventType.RETENTION_SCHEDULE_CHANGED,
        actor=actor,
        obj=schedule,
        details={"record_class": record_class.value, "before": before, "after": keep_days},
    )
    return schedule


# -- deletion certificates (texts, body, PDF and verification: certificates.py) ---------------------------


@transaction.atomic
def do_issue_certificate(
    client_id: int | None, blob_ids: Iterable, *, reason: str, actor: Actor, subject: StrOrPromise = "",
    outcome: StrOrPromise = "",
    names: dict | None = None,
) -> DeletionCertificate:
    """Certify the deletion of these (already shredded, not yet certified) blobs of one client.

    ``reason`` is the occasion (a DeletionReason); each item also carries the reason its blob was
    shredded for. ``outcome`` says what became of the job (printed, cancelled, erased on request) in
    the client's language. ``names`` ({blob id: name}) is for a caller that knows better than the apps
    what the client calls a blob no row points at any more (a file replaced by its rewrite). Texts are
    frozen in the house's language (settings.LANGUAGE_CODE).
    Raises ValueError if a blob is still live, belongs to another client, or is certified already,
    or for an unknown reason. Records CERTIFICATE_ISSUED with the SHA-256 of the canonical JSON.

    ``client_id`` None certifies the house's own records (camera clips): the house is then the controller.
    """
    if reason not in DeletionReason.values:
        raise ValueError(f"unknown deletion reason {reason!r}")
    with translation.override(settings.LANGUAGE_CODE):
        subject, outcome = str(subject), str(outcome)
    client = Client.objects.get(pk=client_id) if client_id is not None else None
    blobs = list(Blob.objects.select_for_update().filter(pk__in=list(blob_ids)).order_by("created_at", "pk"))
    if not blobs:
        raise ValueError("a certificate needs at least one deleted blob")
    for blob in blobs:
        if blob.client_id != client_id:
            raise ValueError(f"blob {blob.pk} belongs to another client")
        if blob.state not in (BlobState.SHREDDING, BlobState.SHREDDED) or blob.wrapped_key is not None:
            raise ValueError(f"blob {blob.pk} is not deleted")
    if DeletionCertificateItem.objects.filter(blob__in=blobs).exists():
        raise ValueError("some of these blobs are on a certificate already")
    agreement = None
    if client is not None:
        agreement = (
            get_active_agreement(client) or Agreement.objects.filter(client=client).order_by("-starts_on").first()
        )
    cert = DeletionCertificate(
        client=client,
        agreement_reference=agreement.reference if agreement else "",
        reason=DeletionReason(reason),
        subject=subject[:200],
        issued_at=timezone.now(),
        objects_deleted=len(blobs),
    )
    with translation.override(settings.LANGUAGE_CODE):
        body = certificate_body(cert, client, blobs, actor=actor, outcome=outcome, names=names or {})
    cert.body = canonical_json(body).decode("utf-8")
    cert.sha256 = hashlib.sha256(cert.body.encode("utf-8")).hexdigest()
    cert.save(force_insert=True)
    DeletionCertificateItem.objects.bulk_create([DeletionCertificateItem(certificate=cert, blob=b) for b in blobs])
    do_record_event(
        EventType.CERTIFICATE_ISSUED,
        actor=actor,
        client_id=client_id,
        obj=cert,
        details={"sha256": cert.sha256, "objects": len(blobs), "reason": cert.reason},
    )
    return cert


def do_issue_pending_certificates(*, actor: Actor) -> dict:
    """Certify every deleted blob not yet on a certificate: one certificate per client and reason.

    Runs after each purge, so blobs shredded by a run that was killed before it got here are certified
    by the next one.
    """
    pending = (
        Blob.objects.filter(state__in=[BlobState.SHREDDING, BlobState.SHREDDED], certificate_item__isnull=True)
        .order_by("client_id", "shredded_at")
        .values_list("pk", "client_id", "shred_reason")
    )
    groups: dict[tuple[int, str], list] = defaultdict(list)
    for pk, client_id, shred_reason in pending.iterator(chunk_size=2000):
        groups[(client_id, reason_for(shred_reason))].append(pk)
    issued = []
    for (client_id, reason), ids in groups.items():
        cert = do_issue_certificate(client_id, ids, reason=reason, actor=actor, subject=SUBJECT_PURGE)
        issued.append(str(cert.id))
    return {"certificates": issued}
