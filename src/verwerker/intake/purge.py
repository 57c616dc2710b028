"""The purge of the clients' SFTP folders (P18), listed in ``settings.RETENTION_PURGERS``.

Invariants (as retention/purge.py's): nothing under a hold is shredded; each blob is crypto-shredded
with its own audit event in the chunk's transaction, and a data file stored as one of them is reduced in
that same transaction (datafiles.actions.do_reduce_data_files_of_blobs); the run certifies them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction

from verwerker.audit.actors import Actor
from verwerker.datafiles.actions import do_reduce_data_files_of_blobs
from verwerker.intake.models import OutboxFile, Upload
from verwerker.retention.purge import Purger
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import RecordClass
from verwerker.vault.actions import LIVE_STATES, do_shred_blobs
from verwerker.vault.models import DeletionReason


class SftpFolderPurger(Purger):
    """The clients' SFTP folders: uploads (by SFTP or the web, which the folder lists alike) and outbox
    files, all vault blobs, emptied after the ``sftp_folders`` schedule (a month) whatever a client's
    agreement allows for data files (P18: "the SFTP folder is cleaned automatically once a month")."""

    record_class = RecordClass.SFTP_FOLDERS

    def expired(self, now: dt.datetime) -> tuple[list, int]:
        days = get_keep_days(RecordClass.SFTP_FOLDERS) or settings.DEFAULT_MAX_RETENTION_DAYS
        cutoff = now - dt.timedelta(days=days)
        held_blobs = held_ids("vault.blob")
        held_clients = {int(i) for i in held_ids("clients.client") if i.isdigit()}
        rows: set = set()
        for model in (Upload, OutboxFile):
            rows |= set(
                model.objects.filter(blob__state__in=LIVE_STATES, blob__created_at__lt=cutoff).values_list(
                    "blob_id", "client_id"
                )
            )
        ids, held = [], 0
        for blob_id, client_id in sorted(rows, key=lambda r: str(r[0])):
            if client_id in held_clients or str(blob_id) in held_blobs:
                held += 1
            else:
                ids.append(blob_id)
        return ids, held

    def purge_chunk(self, ids: list, *, actor: Actor) -> int:
        with transaction.atomic():
            shredded = do_shred_blobs(ids, actor=actor, reason=DeletionReason.RETENTION_EXPIRED)
            do_reduce_data_files_of_blobs(shredded, actor=actor)
        return len(shredded)
