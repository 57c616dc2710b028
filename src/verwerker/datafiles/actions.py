"""Writes of the datafiles app: register a received file, profile it, override a column's kind, rewrite it.

Threat model: a data file is personal data. Its content is read only through the vault's decrypting
reader into memory (never to disk), and nothing from its cells reaches the database or the audit log:
the stored profile holds counts, kinds, reasons and masked examples only. A hostile or broken file
ends as ``unreadable`` with a one-line reason, never a traceback.

Transactions: registration is one transaction with its event and enqueues profiling on commit.
Profiling claims the file with a conditional update (received -> profiling), reads and profiles it
outside any transaction, and stores the result in a second one; a worker killed in between leaves
``profiling``, which the task takes up again (it is idempotent).

Rewriting (records erased or corrected, P07) writes the new blob first (its own transaction in the
vault), then in one transaction repoints the data file, shreds the old blob and every job's copies of
the old records (production/rewrite.py) and certifies them together; a failure before that commit
leaves the old file in place and at most an unreferenced new blob, which the purge removes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NoReturn

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.queries import get_active_agreement
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.models import DataFile, DataFileState, Risk
from verwerker.retention.actions import do_issue_certificate
from verwerker.vault.actions import do_set_blob_records, do_shred_blobs, do_store_blob, read_blob_bytes
from verwerker.vault.crypto import VaultError
from verwerker.vault.models import Blob, BlobState, ReadPurpose


class DataFileRefused(Exception):
    """The file may not enter the pipeline; ``str(exc)`` says why in one line."""


# Why a file is refused: the audit log keeps the English text, a screen shows it in the reader's language
# (datafiles/texts.py).
NOT_COMPLETED = gettext_noop("the upload was not completed")
NO_AGREEMENT = gettext_noop("the client has no processing agreement in force (P09)")
REFUSAL_REASONS = (NOT_COMPLETED, NO_AGREEMENT)


def do_register_data_file(blob: Blob, *, name: str, received_at: dt.datetime, actor: Actor) -> DataFile:
    """Register a completed blob (handed over by intake) as a data file and enqueue its profiling.
    Idempotent per blob.

    Raises DataFileRefused when the blob is not stored or its client has no agreement in force (P09);
    the refusal is audited.
    """
    from verwerker.datafiles.tasks import profile_data_file  # breaks a cycle: the task calls this module

    existing = DataFile.objects.filter(blob_id=blob.pk).first()
    if existing is not None:
        return existing
    client_id = blob.client_id
    if blob.state != BlobState.STORED or client_id is None:
        _refuse_data_file(blob, name, NOT_COMPLETED, actor=actor)
    agreement = get_active_agreement(client_id)
    if agreement is None:
        _refuse_data_file(blob, name, NO_AGREEMENT, actor=actor)
    with transaction.atomic():
        data_file = DataFile.objects.create(
            client_id=client_id, agreement=agreement, blob=blob, name=name, received_at=received_at,
        )
        do_record_event(
            EventType.DATAFILE_REGISTERED, actor=actor, client_id=data_file.client_id, obj=data_file,
            details={"blob": str(blob.pk), "agreement": agreement.pk},
        )
        data_file_id = data_file.pk
        transaction.on_commit(lambda: profile_data_file.enqueue(data_file_id))
    return data_file


def _refuse_data_file(blob: Blob, name: str, reason: str, *, actor: Actor) -> NoReturn:
    do_record_event(
        EventType.DATAFILE_REFUSED, actor=actor, client_id=blob.client_id, object_type="vault.blob",
        object_id=str(blob.pk), outcome=Outcome.REFUSED, details={"reason": reason},
    )
    raise DataFileRefused(f"{name}: {reason}")


def _profile_bytes(data_file: DataFile, overrides: dict, today: dt.date) -> dict:
    """Read the file from the vault into memory and profile it; returns the profile JSON.

    Raises UnreadableFile (one line) for anything that is not a readable table.
    """
    from verwerker.datafiles.profile import profile_table  # local: same layer or upward, a cycle at the top
    from verwerker.datafiles.read import UnreadableFile, read_table  # local: same layer or upward, a cycle at the top

    try:
        data = read_blob_bytes(data_file.blob_id, actor=Actor.system("datafiles"), purpose=ReadPurpose.PROFILING)
    except VaultError as exc:
        raise UnreadableFile(data_file.name, f"cannot be read from the vault ({type(exc).__name__})") from None
    try:
        table = read_table(data, name=data_file.name)
        kinds = {k: Kind(v) for k, v in overrides.items()}
        return profile_table(table, name=data_file.name, today=today, overrides=kinds).to_json()
    except UnreadableFile:
        raise
    except MemoryError:
        raise UnreadableFile(data_file.name, "too large to profile in the memory available") from None
    except Exception as exc:  # a hostile file must never produce a traceback
        raise UnreadableFile(data_file.name, f"cannot be profiled ({type(exc).__name__})") from None


def do_profile_data_file(
    data_file_id: int, *, actor: Actor, today: dt.date | None = None, force: bool = False
) -> DataFile:
    """Profile a received file and store the result (state profiled, or unreadable with its reason).

    Idempotent: a file already profiled is returned as it is unless ``force`` (after an override).
    Side effects: reads the vault blob (audited as a read), records DATAFILE_PROFILED/UNREADABLE.
    """
    from verwerker.datafiles.read import UnreadableFile  # local: same layer or upward, a cycle at the top

    claimable = [DataFileState.RECEIVED, DataFileState.PROFILING]
    if force:
        claimable += [DataFileState.PROFILED]
    claimed = DataFile.objects.filter(pk=data_file_id, state__in=claimable).update(state=DataFileState.PROFILING)
    data_file = DataFile.objects.get(pk=data_file_id)
    if not claimed:
        return data_file
    today = today or timezone.localdate()
    try:
        profile = _profile_bytes(data_file, data_file.overrides, today)
    except UnreadableFile as exc:
        reason = " ".join(str(exc).split())[:300]
        with transaction.atomic():
            DataFile.objects.filter(pk=data_file_id).update(
                state=DataFileState.UNREADABLE, reason=reason, profiled_at=timezone.now()
            )
            do_record_event(
                EventType.DATAFILE_UNREADABLE,
                actor=actor,
                client_id=data_file.client_id,
                obj=data_file,
                outcome=Outcome.FAILURE,
                details={"reason": exc.reason[:200] if hasattr(exc, "reason") else "unreadable"},
            )
        data_file.refresh_from_db()
        return data_file
    with transaction.atomic():
        DataFile.objects.filter(pk=data_file_id).update(
            state=DataFileState.PROFILED,
            reason="",
            profile=profile,
            risk=Risk.HIGH if profile["risk"] == "high" else Risk.STANDARD,
            record_count=profile["rows"],
            minors=profile["minors"],
            has_bsn="bsn" in profile["special"] or any(c["kind"] == "bsn" for c in profile["columns"]),
            column_kinds={c["name"]: c["kind"] for c in profile["columns"]},
            profiled_at=timezone.now(),
        )
        do_set_blob_records(data_file.blob_id, profile["rows"])
        do_record_event(
            EventType.DATAFILE_PROFILED, actor=actor, client_id=data_file.client_id, obj=data_file,
            details={"rows": profile["rows"], "risk": profile["risk"], "minors": profile["minors"],
                     "special": profile["special"], "columns": len(profile["columns"])},
        )
    data_file.refresh_from_db()
    return data_file


def do_override_column_kind(data_file: DataFile, column: str, kind: str, *, actor: Actor) -> DataFile:
    """Set the kind of one column (the database department's judgement) and profile the file again.

    The override is kept with the file. Raises ValueError for an unknown column or kind, or a file
    that is not profiled.
    """
    if data_file.state != DataFileState.PROFILED:
        raise ValueError(f"{data_file.name}: only a profiled file can have its column kinds changed")
    if column not in data_file.column_kinds:
        raise ValueError(f"{data_file.name}: no column named {column!r}")
    try:
        kind = Kind(kind).value
    except ValueError:
        raise ValueError(f"{kind!r} is not a column kind") from None
    with transaction.atomic():
        locked = DataFile.objects.select_for_update().get(pk=data_file.pk)
        was = locked.column_kinds.get(column)
        locked.overrides = {**locked.overrides, column: kind}
        locked.save(update_fields=["overrides"])
        do_record_event(
            EventType.DATAFILE_KIND_OVERRIDDEN, actor=actor, client_id=locked.client_id, obj=locked,
            details={"column_index": list(locked.column_kinds).index(column), "was": was, "now": kind},
        )
    return do_profile_data_file(data_file.pk, actor=actor, force=True)


def do_reduce_data_files_of_blobs(blob_ids: Iterable, *, actor: Actor) -> int:
    """Reduce the data files stored as these (shredded) blobs; call it in the transaction that shredded
    them, so a file is never purged without its reduction. Records DATAFILE_PURGED and DATAFILE_REDUCED
    per file. Returns how many files were reduced."""
    reduced = 0
    for pk, client_id in (
        DataFile.objects.purged().filter(blob_id__in=list(blob_ids)).exclude(profile__has_key="reduced")
        .values_list("pk", "client_id")
    ):
        do_record_event(
            EventType.DATAFILE_PURGED, actor=actor, client_id=client_id, object_type="datafiles.datafile",
            object_id=pk,
        )
        do_reduce_data_file(pk, actor=actor)
        reduced += 1
    return reduced


def do_reduce_purged_data_files(*, actor: Actor) -> int:
    """Reduce every purged data file not yet reduced (a shred that died before its reduction, or files
    purged before reduction existed): the data-files purger's recovery. Returns how many."""
    blob_ids = list(DataFile.objects.purged().exclude(profile__has_key="reduced").values_list("blob_id", flat=True))
    total = 0
    for start in range(0, len(blob_ids), 500):
        with transaction.atomic():
            total += do_reduce_data_files_of_blobs(blob_ids[start : start + 500], actor=actor)
    return total


def do_reduce_data_file(data_file_id: int, *, actor: Actor) -> None:
    """Reduce a purged data file to what holds no values: columns named by position, counts and kinds
    kept, masked examples and reasons dropped; its jobs' mappings and dropped columns follow the names.

    A column name may have been a value (a header that was data after all), so none is kept. Records
    DATAFILE_REDUCED. Idempotent.
    """
    from verwerker.datafiles.profile import reduced_profile  # local: same layer or upward, a cycle at the top
    from verwerker.production.models import Job  # local: same layer or upward, a cycle at the top

    with transaction.atomic():
        data_file = DataFile.objects.select_for_update().select_related("blob").get(pk=data_file_id)
        if not data_file.is_purged or data_file.profile.get("reduced"):
            return
        # The profile's list keeps the file's column order (a JSON object's keys need not: jsonb sorts them).
        names = [c.get("name", "") for c in data_file.profile.get("columns", [])]
        names += [c for c in data_file.column_kinds if c not in names]
        position = {name: f"kolom {i}" for i, name in enumerate(names, start=1)}
        data_file.profile = reduced_profile(data_file.profile, position)
        data_file.column_kinds = {position[c]: k for c, k in data_file.column_kinds.items()}
        data_file.overrides = {position[c]: k for c, k in data_file.overrides.items() if c in position}
        data_file.save(update_fields=["profile", "column_kinds", "overrides"])
        jobs = 0
        for job in Job.objects.select_for_update().filter(data_file=data_file):
            job.mapping = {position.get(c, "kolom ?"): k for c, k in job.mapping.items()}
            job.dropped_columns = [position.get(c, "kolom ?") for c in job.dropped_columns]
            job.save(update_fields=["mapping", "dropped_columns"])
            jobs += 1
        do_record_event(
            EventType.DATAFILE_REDUCED, actor=actor, client_id=data_file.client_id, obj=data_file,
            details={"columns": len(position), "jobs": jobs},
        )


@dataclass
class Rewritten:
    """What do_rewrite_data_file did, for the caller's receipt."""

    data_file: DataFile
    old_blob_id: object
    new_blob_id: object
    dropped: int
    changed: int
    certificate: object
    reproduced: list = field(default_factory=list)  # (job id, job name): produced again from the new file
    delivered: list = field(default_factory=list)  # production.rewrite.DeliveredJob: out of the house already


def _held_table(data_file: DataFile, *, actor: Actor):
    from verwerker.datafiles.read import read_table  # local: same layer or upward, a cycle at the top

    # A file is rewritten only on a data-subject request (erasure or rectification) passed on by the client.
    return read_table(read_blob_bytes(data_file.blob_id, actor=actor, purpose=ReadPurpose.SUBJECT_REQUEST),
                      name=data_file.name)


def do_rewrite_data_file(
    data_file: DataFile, *, drop_rows: Iterable[int] = (), set_values: dict[int, dict[str, str]] | None = None,
    reason: str, actor: Actor, subject: str = "",
) -> Rewritten:
    """Rewrite a held data file without some records (``drop_rows``) or with some fields changed
    (``set_values``: row -> {column: value}), and remove every copy of the old records.

    The new file is stored as a new blob (a CSV with the columns as read) that keeps the old one's
    retention clock; the data file is repointed to it; the old blob and every job's copies are shredded
    and certified together (``reason`` is the shred code, ``subject`` the certificate's subject); jobs
    not yet delivered go back to production, delivered ones are flagged (production/rewrite.py); the
    file is profiled again. Raises ValueError for a file the vault no longer holds, an unknown column,
    or a row that is not in the file. Records DATAFILE_REWRITTEN.
    """
    import polars as pl  # deferred: a heavy import

    from verwerker.production.rewrite import withdraw_job_copies  # local: same layer or upward, a cycle at the top

    set_values = set_values or {}
    old = Blob.objects.get(pk=data_file.blob_id)
    if old.state != BlobState.STORED:
        raise ValueError(f"{data_file.name}: the file is no longer held; nothing to rewrite")
    frame = _held_table(data_file, actor=actor).frame
    drop = sorted(set(drop_rows))
    touched = sorted({*drop, *set_values})
    if touched and not 0 <= touched[0] <= touched[-1] < frame.height:
        raise ValueError(f"{data_file.name}: a row to rewrite is not in the file")
    for fields in set_values.values():
        for column in fields:
            if column not in frame.columns:
                raise ValueError(f"{data_file.name}: no column named {column!r}")
    if set_values:
        rows = pl.int_range(0, pl.len(), dtype=pl.Int64)
        for column in sorted({c for fields in set_values.values() for c in fields}):
            changes = {r: fields[column] for r, fields in set_values.items() if column in fields}
            frame = frame.with_columns(
                pl.when(rows.is_in(list(changes)))
                .then(rows.replace_strict(list(changes), list(changes.values()), default=None, return_dtype=pl.String))
                .otherwise(pl.col(column)).alias(column)
            )
    if drop:
        frame = frame.with_row_index("__row").filter(~pl.col("__row").is_in(drop)).drop("__row")
    out = io.BytesIO()
    frame.write_csv(out, separator=";")
    del frame
    new = do_store_blob(out.getvalue(), client=data_file.client_id, purpose=old.purpose, name=old.name, actor=actor)
    with transaction.atomic():
        locked = DataFile.objects.select_for_update().get(pk=data_file.pk)
        if locked.blob_id != old.pk:
            raise ValueError(f"{data_file.name}: the file was rewritten meanwhile; search again")
        # The rewritten file is the same file: it keeps the retention clock of the one it replaces.
        Blob.objects.filter(pk=new.pk).update(created_at=old.created_at)
        locked.blob = new
        locked.save(update_fields=["blob"])
        shredded = do_shred_blobs([old.pk], actor=actor, reason=reason)
        jobs = withdraw_job_copies(locked, reason=reason, subject=subject, actor=actor)
        certificate = do_issue_certificate(
            locked.client_id, [*shredded, *jobs.shredded], reason=reason, actor=actor,
            subject=subject or f"data file {locked.pk} rewritten",
        )
        do_record_event(
            EventType.DATAFILE_REWRITTEN, actor=actor, client_id=locked.client_id, obj=locked,
            details={"old_blob": str(old.pk), "new_blob": str(new.pk), "dropped": len(drop),
                     "changed": len(set_values), "reason": reason, "certificate": str(certificate.pk),
                     "jobs_reproduced": [j for j, _ in jobs.reproduced],
                     "jobs_delivered": [d.job_id for d in jobs.delivered]},
        )
    if locked.state == DataFileState.PROFILED:
        locked = do_profile_data_file(locked.pk, actor=actor, force=True)
    return Rewritten(
        data_file=locked, old_blob_id=old.pk, new_blob_id=new.pk, dropped=len(drop), changed=len(set_values),
        certificate=certificate, reproduced=jobs.reproduced, delivered=jobs.delivered,
    )
