"""The purges of the house's own record classes: camera clips (P27) and the website consent log (P08).

Invariants (as retention/purge.py's): a clip under an active hold is never deleted; each clip is
crypto-shredded with its own audit event in the chunk's transaction and ends on a deletion certificate
(the house itself as the controller); consent-log entries are deleted in chunks with one event each
chunk (they are not in the audit chain individually, see actions.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from verwerker.audit.actions import do_record_event
from verwerker.audit.events import EventType
from verwerker.retention.purge import Purger
from verwerker.vault.models import DeletionReason
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import DEFAULTS, RecordClass


def _days(record_class: str) -> int:
    days = get_keep_days(record_class)
    return days if days is not None else DEFAULTS[RecordClass(record_class)]["keep_days"]


class CameraClipPurger(Purger):
    """Clips in the vault, four weeks from the recording unless an incident hold keeps them."""

    record_class = RecordClass.CAMERA_CLIPS

    def expired(self, now: dt.datetime):
        from verwerker.facilities.models import CameraClip
        from verwerker.vault.models import BlobState

        cutoff = now - dt.timedelta(days=_days(self.record_class))
        held = held_ids("vault.blob")
        ids, kept = [], 0
        old = CameraClip.objects.filter(blob__state__in=[BlobState.STORED, BlobState.WRITING], recorded_from__lt=cutoff)
        for blob_id in old.order_by("recorded_from").values_list("blob_id", flat=True):
            if str(blob_id) in held:
                kept += 1
            else:
                ids.append(blob_id)
        return ids, kept

    def purge_chunk(self, ids, *, actor) -> int:
        from verwerker.retention.actions import do_issue_certificate
        from verwerker.vault.actions import do_shred_blobs

        with transaction.atomic():
            shredded = do_shred_blobs(ids, actor=actor, reason=DeletionReason.RETENTION_EXPIRED)
            if shredded:
                do_issue_certificate(
                    None, shredded, reason=DeletionReason.RETENTION_EXPIRED, actor=actor,
                    subject="camera clips past their retention (privacy statement: at most 4 weeks)",
                )
        return len(shredded)


class ConsentLogPurger(Purger):
    """Entries of the website's consent log past their schedule."""

    record_class = RecordClass.CONSENT_LOG

    def expired(self, now: dt.datetime):
        from verwerker.facilities.models import ConsentRecord

        cutoff = now - dt.timedelta(days=_days(self.record_class))
        return list(ConsentRecord.objects.filter(recorded_at__lt=cutoff).values_list("pk", flat=True)), 0

    def purge_chunk(self, ids, *, actor) -> int:
        from verwerker.facilities.models import ConsentRecord

        with transaction.atomic():
            deleted, _ = ConsentRecord.objects.filter(pk__in=ids).delete()
            if deleted:
                do_record_event(
                    EventType.CONSENT_LOG_PURGED, actor=actor, object_type="facilities.consentrecord",
                    details={"entries": deleted, "first_id": min(ids), "last_id": max(ids)},
                )
        return deleted

