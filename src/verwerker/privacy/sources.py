"""Where the privacy office looks: the impact sources of a breach and the data categories of the Art. 30(2)
register, each listed literally at the end (IMPACT_SOURCES, CATEGORY_SOURCES); a new source is added there."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import Q

from verwerker.audit.models import AuditEvent
from verwerker.datafiles.models import DataFile
from verwerker.privacy.impact import Exposure, Source, Window
from verwerker.vault.models import Blob

# Objects that hold (or are made from) client data; administrative events (a client created, an agreement
# changed) expose nobody's data and are left out.
DATA_OBJECT_TYPES = ("vault.blob", "intake.upload", "intake.outboxfile", "datafiles.datafile", "production.job")

# Systems a breach report may name, mapped to the audit actor types that act in them.
SYSTEM_ACTORS = {"web": ("staff", "client_user"), "sftp": ("sftp",), "workers": ("system",)}


def audit_trail(window: Window) -> Iterable[Exposure]:
    """Client data acted on in the window (optionally by the named accounts/systems)."""
    events = AuditEvent.objects.filter(
        created_at__gte=window.start, created_at__lte=window.end, client_id__isnull=False,
        object_type__in=DATA_OBJECT_TYPES,
    )
    if window.accounts:
        events = events.filter(actor_label__in=window.accounts)
    actor_types = [t for s in window.systems for t in SYSTEM_ACTORS.get(s, ())]
    if actor_types:
        events = events.filter(actor_type__in=actor_types)
    for client_id, object_type, object_id in events.values_list("client_id", "object_type", "object_id").distinct():
        yield Exposure(client_id=client_id, source="audit log", object_type=object_type, object_id=object_id)  # type: ignore[arg-type]


def vault_blobs(window: Window) -> Iterable[Exposure]:
    """Client data held in the vault at any moment of the window — also blobs shredded since.

    A blob was present from its creation until its shredding (or still is). Names are the display
    names the vault keeps (file names, no contents).
    """


    # The house's own records (no client) are not a client's exposure.
    blobs = Blob.objects.filter(created_at__lte=window.end, client__isnull=False).filter(
        Q(shredded_at__isnull=True) | Q(shredded_at__gte=window.start)
    )
    for blob in blobs.only("id", "client_id", "name", "purpose", "state").iterator():
        yield Exposure(
            client_id=blob.client_id, source="vault", object_type="vault.blob", object_id=str(blob.id),  # type: ignore[arg-type]
            name=blob.name or blob.purpose, state=blob.state,
        )


def data_files(window: Window) -> Iterable[Exposure]:
    """What the profiles say about the files held in the window: records, data categories, risk class.

    Keyed like the vault's rows (the file's blob), so the two merge into one exposure per file.
    """


    files = DataFile.objects.filter(blob__created_at__lte=window.end).filter(
        Q(blob__shredded_at__isnull=True) | Q(blob__shredded_at__gte=window.start)
    )
    for data_file in files.iterator():
        yield Exposure(
            client_id=data_file.client_id, source="data files", object_type="vault.blob",
            object_id=str(data_file.blob_id), name=data_file.name,
            records=data_file.record_count, kinds=tuple(sorted(set(data_file.column_kinds.values()))),
            risk=data_file.risk,
        )


def _kinds_seen(client_id: int) -> set[str]:
    """Data categories (column kinds) found in any file of this client, for the Art. 30(2) register."""

    seen: set[str] = set()
    for kinds in DataFile.objects.filter(client_id=client_id).values_list("column_kinds", flat=True):
        seen.update(kinds.values())
    return seen


# Every source of a breach's impact analysis, merged per object in this order (privacy/impact.py).
IMPACT_SOURCES: tuple[Source, ...] = (audit_trail, vault_blobs, data_files)
# Functions client_id -> data categories (column kinds) seen, for the Art. 30(2) register.
CATEGORY_SOURCES: tuple[Callable[[int], set[str]], ...] = (_kinds_seen,)
