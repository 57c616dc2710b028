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
from verwerker.facilities.models import ConsentRecord
from verwerker.retention.actions import do_issue_certificate
from verwerker.retention.purge import Purger
from verwerker.retention.rules import RecordClass
from verwerker.vault.actions import do_shred_blobs
from verwerker.vault.models import DeletionReason


class CameraClipPurger(Purger):
    """Clips in the vault, four weeks from the recording unless an incident hold keeps them."""

    record_class = RecordClass.CAMERA_CLIPS

    def expired(self, now: dt.datetime):
        from verwerker.facilities.queries import clips_past_retention  # local: same layer or upward, a cycle at the top

        return clips_past_retention(now)

    def purge_chunk(self, ids, *, actor) -> int:
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
        from verwerker.facilities.queries import keep_days  # local: same layer or upward, a cycle at the top

        cutoff = now - dt.timedelta(days=keep_days(self.record_class))
        return list(ConsentRecord.objects.filter(recorded_at__lt=cutoff).values_list("pk", flat=True)), 0

    def purge_chunk(self, ids, *, actor) -> int:
        with transaction.atomic():
            deleted, _ = ConsentRecord.objects.filter(pk__in=ids).delete()
            if deleted:
                do_record_event(
                    EventType.CONSENT_LOG_PURGED, actor=actor, object_type="facilities.consentrecord",
                    details={"entries": deleted, "first_id": min(ids), "last_id": max(ids)},
                )
        return deleted

