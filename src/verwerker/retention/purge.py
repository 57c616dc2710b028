"""The retention purge: find everything past its retention and delete it, in chunks (P17, P18, P19).

Threat model. The danger is not an attacker but the purge itself: deleting too little (a file that
outlives the promised month because a run died halfway, or a file nobody remembered), deleting too
much (an object under a legal hold, or the audit trail that proves the deletion), and deleting without
proof. So:

Invariants.
- Nothing is purged while an active hold names it (or its client).
- Audit events are never purged (their schedule only has a floor, see rules.py).
- Each purged object gets exactly one audit event, written in the same transaction as its deletion
  (the vault's shred event); each run gets one more event with its counts.
- A run is idempotent and resumable: a run killed at any point (kill -9 included) leaves every blob
  either live or keyless, never half; the next run first finishes interrupted work (keyless files,
  abandoned writes, stray .partial files) and then carries on.

Transactions. One per chunk of ``PURGE_CHUNK_SIZE`` objects (zulip's zerver/lib/retention.py does
the same): a chunk's keys are destroyed and its events written together; its files are removed after
that transaction commits. Certificates for the groups purged are issued at the end of a run, and a
later run issues any that an interrupted run did not.

One purger per record class, listed in order in ``settings.RETENTION_PURGERS`` (dotted paths, like
MIDDLEWARE): the purgers live with the records they delete (datafiles, intake, crm, facilities), which
sit above retention, so the project's settings name them rather than retention importing upwards and
apps registering themselves. A class without a purger is reported as such by every run, so the report
never claims a deletion that no code performs. After the classes, the run certifies every shredded
blob not yet on a certificate (``actions.do_issue_pending_certificates``).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.module_loading import import_string

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Agreement
from verwerker.clients.queries import get_active_agreement
from verwerker.retention.actions import do_issue_pending_certificates
from verwerker.retention.queries import get_keep_days, held_ids
from verwerker.retention.rules import RecordClass
from verwerker.vault import storage
from verwerker.vault.actions import LIVE_STATES, do_shred_blobs, finish_shred
from verwerker.vault.models import Blob, BlobState, DeletionReason

# A blob still "writing" this long after it was opened was abandoned (a crashed upload).
STALE_WRITE = dt.timedelta(hours=24)
# A vault file without a row may belong to a transaction that has not committed yet; leave it this long.
STRAY_GRACE = dt.timedelta(hours=1)


@dataclass
class ClassReport:
    record_class: str
    found: int = 0
    purged: int = 0
    held: int = 0
    recovered: dict = field(default_factory=dict)
    managed: bool = True

    def as_dict(self) -> dict:
        return {
            "record_class": self.record_class,
            "managed": self.managed,
            "found": self.found,
            "purged": self.purged,
            "held": self.held,
            "recovered": self.recovered,
        }


class Purger:
    """One record class's purge. Subclasses implement ``expired`` and ``purge_chunk``; ``recover`` is optional."""

    record_class: str = ""

    def recover(self, now: dt.datetime, *, actor: Actor) -> dict:
        """Finish work an interrupted run left behind; return counts."""
        return {}

    def expired(self, now: dt.datetime) -> tuple[list, int]:
        """(ids past retention and not held, number held back by holds)."""
        raise NotImplementedError

    def purge_chunk(self, ids: list, *, actor: Actor) -> int:
        """Delete these objects in one transaction, one audit event each; return how many went."""
        raise NotImplementedError


class KeepPurger(Purger):
    """Audit events: kept. Listed so every class shows up in a run's report."""

    record_class = RecordClass.AUDIT_EVENTS

    def expired(self, now):
        return [], 0


class VaultPurger(Purger):
    """Client data files in the vault: older than the client's agreement allows, or than the schedule."""

    record_class = RecordClass.DATA_FILES

    def _max_days(self, client_id: int) -> int:
        agreement = get_active_agreement(client_id)
        if agreement is None:  # ended or not yet active: the most recent one still says what was agreed
            agreement = Agreement.objects.filter(client_id=client_id).order_by("-starts_on", "-pk").first()
        if agreement is not None:
            return agreement.max_retention_days
        return get_keep_days(RecordClass.DATA_FILES) or settings.DEFAULT_MAX_RETENTION_DAYS

    def expired(self, now):
        held_blobs = {uuid.UUID(i) for i in held_ids("vault.blob") if _is_uuid(i)}
        held_clients = {int(i) for i in held_ids("clients.client") if i.isdigit()}
        # The house's own records (no client) follow their own record class's purger (facilities).
        live = Blob.objects.filter(state__in=LIVE_STATES, client__isnull=False)
        ids, held = [], 0
        for client_id in sorted(set(live.values_list("client_id", flat=True))):
            cutoff = now - dt.timedelta(days=self._max_days(client_id))
            for pk in live.filter(client_id=client_id, created_at__lt=cutoff).order_by("created_at").values_list(
                "pk", flat=True
            ):
                if client_id in held_clients or pk in held_blobs:
                    held += 1
                else:
                    ids.append(pk)
        return ids, held

    def purge_chunk(self, ids, *, actor):
        return len(do_shred_blobs(ids, actor=actor, reason=DeletionReason.RETENTION_EXPIRED))

    def recover(self, now, *, actor):
        # 1. keys destroyed, files not yet removed (a run or a shred died after its commit)
        shredding = list(Blob.objects.filter(state=BlobState.SHREDDING).values_list("pk", flat=True))
        finished = finish_shred(shredding) if shredding else 0
        # 2. uploads abandoned halfway (the writer's process died); honour holds here too
        held_blobs = held_ids("vault.blob")
        held_clients = {int(i) for i in held_ids("clients.client") if i.isdigit()}
        stale = [
            pk
            for pk, client_id in Blob.objects.filter(state=BlobState.WRITING, created_at__lt=now - STALE_WRITE)
            .values_list("pk", "client_id")
            if str(pk) not in held_blobs and client_id not in held_clients
        ]
        abandoned = len(do_shred_blobs(stale, actor=actor, reason=DeletionReason.ABANDONED_WRITE)) if stale else 0
        # 3. files no live row owns: keyless leftovers, stray .partial files, files of rolled-back rows
        stray = 0
        grace = time.time() - STRAY_GRACE.total_seconds()
        for batch in _batched(storage.iter_vault_files(), 1000):
            ids = [blob_id for _path, blob_id, _partial in batch if blob_id is not None]
            states = dict(Blob.objects.filter(pk__in=ids).values_list("pk", "state"))
            for path, blob_id, partial in batch:
                state = states.get(blob_id)
                keyless = state in (BlobState.SHREDDING, BlobState.SHREDDED)
                orphan = state is None or (partial and state == BlobState.STORED)
                if keyless or (orphan and _mtime(path) < grace):
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        continue
                    stray += 1
                    do_record_event(
                        EventType.VAULT_FILE_REMOVED,
                        actor=actor,
                        object_type="vault.blob",
                        object_id=str(blob_id or path.name),
                        details={"state": state or "no row", "partial": partial},
                    )
        return {"keyless_finished": finished, "abandoned_writes": abandoned, "stray_files": stray}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _mtime(path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _batched(items, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_purgers() -> dict[str, Purger]:
    """{record class: its purger}, from ``settings.RETENTION_PURGERS`` (the one list, in its order)."""
    purgers: dict[str, Purger] = {}
    for path in settings.RETENTION_PURGERS:
        purger = import_string(path)()
        if purger.record_class in purgers:
            raise ImproperlyConfigured(f"RETENTION_PURGERS: two purgers for {purger.record_class!r}")
        purgers[purger.record_class] = purger
    return purgers


def run_purge(
    *, actor: Actor, dry_run: bool = False, now: dt.datetime | None = None, chunk_size: int | None = None
) -> dict:
    """Purge every registered record class; return the report (also recorded as one event unless dry).

    A dry run only counts: no recovery, no deletion, no event.
    """
    now = now or timezone.now()
    chunk_size = chunk_size or settings.PURGE_CHUNK_SIZE
    started = time.perf_counter()
    purgers = load_purgers()
    reports = []
    for record_class in RecordClass:
        purger = purgers.get(record_class)
        report = ClassReport(record_class.value, managed=purger is not None)
        reports.append(report)
        if purger is None:
            continue
        if not dry_run:
            report.recovered = purger.recover(now, actor=actor)
        ids, report.held = purger.expired(now)
        report.found = len(ids)
        if dry_run:
            continue
        for start in range(0, len(ids), chunk_size):
            report.purged += purger.purge_chunk(ids[start : start + chunk_size], actor=actor)
    result = {
        "dry_run": dry_run,
        "at": now.isoformat(),
        "classes": [r.as_dict() for r in reports],
        "purged": sum(r.purged for r in reports),
        "held": sum(r.held for r in reports),
    }
    if not dry_run:
        # Every shredded blob ends on a certificate; this also certifies what a killed run left.
        result.update(do_issue_pending_certificates(actor=actor))
        result["seconds"] = round(time.perf_counter() - started, 3)
        do_record_event(EventType.PURGE_RUN, actor=actor, details=result)
    return result

