"""The purge of client data files (record class ``data_files``), listed in ``settings.RETENTION_PURGERS``.

The vault's purge (retention.purge.VaultPurger: every client blob past its agreement's retention), with
the data files among the shredded blobs reduced to what holds no values in the chunk's transaction, so a
purged file never keeps its column names. Its recovery also reduces files a killed run left unreduced.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from verwerker.audit.actors import Actor
from verwerker.datafiles.actions import do_reduce_data_files_of_blobs, do_reduce_purged_data_files
from verwerker.retention.purge import VaultPurger
from verwerker.vault.actions import do_shred_blobs
from verwerker.vault.models import DeletionReason


class DataFilePurger(VaultPurger):
    """Client data in the vault past the agreement's maximum retention, data files reduced with it."""

    def purge_chunk(self, ids: list, *, actor: Actor) -> int:
        with transaction.atomic():
            shredded = do_shred_blobs(ids, actor=actor, reason=DeletionReason.RETENTION_EXPIRED)
            do_reduce_data_files_of_blobs(shredded, actor=actor)
        return len(shredded)

    def recover(self, now: dt.datetime, *, actor: Actor) -> dict:
        found = super().recover(now, actor=actor)
        found["data_files_reduced"] = do_reduce_purged_data_files(actor=actor)
        return found
