"""One reader of the audit log for the apps that derive work from it (notifications, webhooks).

Why from the log: every state change they report is audited in the same transaction as the change, so
nothing is missed and nothing is reported that did not commit, and the acting code calls none of them.
The readers sit above the audit app; settings.AUDIT_LOG_READERS names them (as MASTER_KEY_HOLDERS names
the holders of wrapped keys), each a LogReader: the event types it wants, ``take`` to record what it makes
of a batch, and ``after`` for what follows the commit (send the e-mails, enqueue the deliveries).

Invariants and transactions. One pass reads the log once per batch for all readers, from the lowest of
their cursors (audit.LogCursor, one row per reader). Per batch, one transaction: the cursors locked
(in name order, so two passes never deadlock), the events read, and per reader a savepoint in which
``take`` records its rows and its cursor moves to the batch's end. A process that dies before the commit
leaves every cursor where it was (the batch is read again); after it, every reader's rows and cursor are
in. A reader whose ``take`` raises is rolled back to its savepoint (neither its rows nor its cursor move)
and left out for the rest of the pass; the others are fed on, and the error is raised at the end. Events
are appended under one lock (audit/actions.py), so seqs commit in order and a cursor never passes an
event that commits later. Each reader's own unique keys (a notification per event, person and kind; a
delivery per subscription, event and kind) are the second guard against telling anyone twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from verwerker.audit.models import AuditEvent, LogCursor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogReader:
    """What one app makes of the audit log."""

    name: str  # its cursor; never renamed (a new name starts from the beginning of the log)
    actions: frozenset[int]  # the event types it wants
    take: Callable[[list[AuditEvent]], list]  # records what it makes of events (in the pass's transaction)
    after: Callable[[list], object] | None = None  # after the pass, with everything ``take`` returned


def log_readers(only: Collection[str] | None = None) -> list[LogReader]:
    readers = [import_string(path) for path in settings.AUDIT_LOG_READERS]
    if only is not None:
        unknown = set(only) - {r.name for r in readers}
        if unknown:
            raise ValueError(f"no audit log reader named {sorted(unknown)}")
        readers = [r for r in readers if r.name in only]
    return readers


def _ensure_cursors(names: list[str]) -> None:
    for name in names:
        try:
            with transaction.atomic():
                LogCursor.objects.get_or_create(name=name)
        except IntegrityError:
            pass  # another pass created it a moment ago


def do_feed_log_readers(*, only: Collection[str] | None = None, batch: int = 500,
                        run_after: bool = True) -> dict[str, list]:
    """Read the audit log after the readers' cursors and hand each reader its events (all readers, or
    those named in ``only``); returns per reader what its ``take`` made. Then runs each reader's ``after``
(unless ``run_after`` is false).
    Raises the first error of a reader's ``take`` once the others are fed (see the module's header)."""
    readers = log_readers(only)
    _ensure_cursors([r.name for r in readers])
    made: dict[str, list] = {r.name: [] for r in readers}
    failed: dict[str, Exception] = {}
    while True:
        live = [r for r in readers if r.name not in failed]
        if not live:
            break
        with transaction.atomic():
            cursors = {c.name: c for c in LogCursor.objects.select_for_update()
                       .filter(name__in=[r.name for r in live]).order_by("name")}
            low = min(c.seq for c in cursors.values())
            head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
            wanted = sorted(set().union(*(r.actions for r in live)))
            events = list(AuditEvent.objects.filter(seq__gt=low, seq__lte=head, action__in=wanted)
                          .order_by("seq")[:batch])
            full = len(events) == batch
            end = events[-1].seq if full else head
            for reader in live:
                cursor = cursors[reader.name]
                if cursor.seq >= end:
                    continue
                mine = [e for e in events if e.seq > cursor.seq and e.action in reader.actions]
                try:
                    with transaction.atomic():  # a savepoint: a reader that fails leaves the others fed
                        taken = reader.take(mine) if mine else []
                        cursor.seq = end
                        cursor.save(update_fields=["seq", "updated_at"])
                except Exception as exc:  # noqa: BLE001 - any error of one reader; raised below
                    log.error("audit log reader %s stopped after seq %s (%s)", reader.name, cursor.seq,
                              type(exc).__name__)
                    failed[reader.name] = exc
                    continue
                made[reader.name].extend(taken)
        if not full:
            break
    for reader in readers if run_after else []:
        if reader.after is not None:
            reader.after(made[reader.name])
    if failed:
        raise next(iter(failed.values()))
    return made
