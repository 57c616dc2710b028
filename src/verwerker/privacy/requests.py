"""Data-subject requests (P07): log on the client's behalf, search the files still held, execute, receipt.

The house is the processor: it acts on a request only through the client's designated contact; a person
who writes in directly is referred to the client. Requests are searched over the client's data files that
the vault still holds; records are found by keyed hashes (subjects.py), shown to the privacy officer on
screen only, and executed inside the encrypted files: an erasure or rectification writes a new blob and
crypto-shreds the old one (with a deletion certificate), so no copy of the old records survives.

Transactions: each execution writes its new blobs first (each its own transaction in the vault), then
repoints the references and shreds the old blobs in one transaction, so a failure halfway leaves the old
file in place and at most an unreferenced new blob, which the purge removes.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Client, Contact
from verwerker.lib.spreadsheet import csv_writer
from verwerker.privacy.models import DataSubjectRequest, RequestKind, RequestStatus
from verwerker.privacy.subjects import Criteria, criteria_keys, matching_rows


def _secret() -> bytes:
    return salted_hmac("verwerker.privacy.subjects", "criteria-key").digest()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _next_reference(now: dt.datetime) -> str:
    prefix = f"BV-{now.year}-"
    last = (
        DataSubjectRequest.objects.filter(reference__startswith=prefix)
        .order_by("-reference").values_list("reference", flat=True).first()
    )
    return f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1) if last else 1:04d}"


@transaction.atomic
def do_log_subject_request(
    client: Client, kind: str, criteria: Criteria, *, from_contact: Contact | None = None, actor: Actor
) -> DataSubjectRequest:
    """Log a request. Without a designated contact of the client it is the person's own: referred to the client.

    Raises ValidationError when the contact is not the client's designated one, or when the criteria
    cannot identify anyone (an e-mail, or a postcode with a house number, is needed).
    """
    if not criteria.is_usable():
        raise ValidationError("give the person's e-mail address, or postcode and house number")
    if from_contact is not None and (from_contact.client_id != client.pk or not from_contact.is_designated):
        raise ValidationError("only the client's designated contact can pass on a request (P07)")
    now = timezone.now()
    request = DataSubjectRequest.objects.create(
        reference=_next_reference(now),
        client=client,
        kind=kind,
        received_at=now,
        from_contact=from_contact,
        from_person=from_contact is None,
        subject_mask=criteria.mask(),
        subject_keys=criteria_keys(criteria, _secret()),
        deadline=add_months(timezone.localdate(now), 1),
        status=RequestStatus.OPEN if from_contact is not None else RequestStatus.REFERRED,
    )
    if request.status == RequestStatus.REFERRED:
        request.receipt = (
            f"{request.reference}: the request came from the person directly. As processor we act only on "
            f"instructions of {client.name}; the person has been referred to {client.name}."
        )
        request.closed_at = now
        request.save(update_fields=["receipt", "closed_at"])
    do_record_event(
        EventType.SUBJECT_REQUEST_LOGGED, actor=actor, client_id=client.pk, obj=request,
        details={"kind": kind, "status": request.status},
    )
    return request


@transaction.atomic
def do_extend_subject_request(request: DataSubjectRequest, *, reason: str, actor: Actor) -> None:
    """Extend by two months (Art. 12(3)); only within the first month and only with reasons."""
    if not reason.strip():
        raise ValidationError("an extension needs its reasons")
    if timezone.localdate() > request.deadline:
        raise ValidationError("an extension must be decided within the first month")
    if request.extended_to:
        raise ValidationError("this request was extended already")
    request.extended_to = add_months(timezone.localdate(request.received_at), 3)
    request.extension_reason = reason.strip()
    request.save(update_fields=["extended_to", "extension_reason"])
    do_record_event(EventType.SUBJECT_REQUEST_EXTENDED, actor=actor, client_id=request.client_id, obj=request,
                    details={"extended_to": request.extended_to.isoformat()})


@dataclass
class FileMatch:
    blob_id: str
    name: str
    rows: list[int]
    columns: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)  # for the screen only; never stored


def _held_files(client_id: int):
    """The client's data files the vault still holds (uploads whose blob is stored)."""
    from verwerker.intake.models import Upload, UploadState
    from verwerker.vault.models import BlobState

    return Upload.objects.filter(client_id=client_id, state=UploadState.COMPLETED, blob__state=BlobState.STORED).select_related("blob")


def _load(blob, name: str):
    from verwerker.datafiles.detect import detect_columns
    from verwerker.datafiles.read import read_table
    from verwerker.vault.actions import read_blob_bytes

    table = read_table(read_blob_bytes(blob), name=name)
    kinds = {g.name: g.kind for g in detect_columns(table.frame)}
    return table, kinds


def search_subject_request(request: DataSubjectRequest, *, actor: Actor) -> list[FileMatch]:
    """Every record of the person in the files still held for the client. Audited (counts only)."""
    from verwerker.datafiles.read import UnreadableFile

    matches = []
    for upload in _held_files(request.client_id):
        try:
            table, kinds = _load(upload.blob, upload.name)
        except UnreadableFile:
            continue
        rows = matching_rows(table.frame, kinds, request.subject_keys, _secret())
        if rows:
            frame = table.frame[rows]
            matches.append(FileMatch(str(upload.blob.pk), upload.name, rows, frame.columns, frame.to_dicts()))
    do_record_event(
        EventType.SUBJECT_REQUEST_SEARCHED, actor=actor, client_id=request.client_id, obj=request,
        details={"files": len(matches), "records": sum(len(m.rows) for m in matches)},
    )
    return matches


def _csv_bytes(frame: pl.DataFrame, *, for_people: bool) -> bytes:
    """The frame as CSV; ``for_people``: formula-neutralised for a spreadsheet (the records sent to the
    client), else exactly the values (a rectified data file, which is processed again)."""
    out = io.StringIO()
    writer = csv_writer(out, delimiter=";") if for_people else csv.writer(out, delimiter=";")
    writer.writerow(frame.columns)
    writer.writerows(frame.rows())
    return out.getvalue().encode("utf-8")


def _replace_blob(old, new) -> None:
    """Point every reference to ``old`` (upload, data file, ...) at ``new``: found through the model graph,
    so apps added later are covered without this module knowing them."""
    for relation in type(old)._meta.related_objects:
        if relation.many_to_many:
            continue
        relation.related_model.objects.filter(**{relation.field.name: old}).update(**{relation.field.name: new})


def do_execute_subject_request(
    request: DataSubjectRequest, *, actor: Actor, corrections: dict[str, str] | None = None,
    identity_checked_by: str = "", identity_checked_with: str = "",
) -> str:
    """Carry out the request over the files still held; return the receipt (also stored and audited).

    access / portability: the records go to the client's outbox as CSV and JSON (portability to a third
    party needs the identity check recorded: who checked, with which document type; no copy is kept).
    erasure: the records are removed from each file (new blob, old one shredded and certified).
    rectification: the given columns of the records are replaced the same way.
    restriction / objection: the records found are reported to the client, who applies it at the source.
    Raises ValidationError when the request is not open or a needed detail is missing.
    """
    if request.status != RequestStatus.OPEN:
        raise ValidationError(f"request {request.reference} is {request.get_status_display()}")
    if request.kind == RequestKind.PORTABILITY and not (identity_checked_by.strip() and identity_checked_with.strip()):
        raise ValidationError("record who checked the identity, and with what document, before a transfer")
    if request.kind == RequestKind.RECTIFICATION and not corrections:
        raise ValidationError("give the corrected values")
    matches = search_subject_request(request, actor=actor)
    count = sum(len(m.rows) for m in matches)
    lines = [f"Ontvangstbevestiging / receipt {request.reference} ({request.get_kind_display()})",
             f"Klant: {request.client.name}. Persoon: {request.subject_mask}.",
             f"Gevonden: {count} record(s) in {len(matches)} bestand(en) die wij nog bewaren."]
    if request.kind in (RequestKind.ACCESS, RequestKind.PORTABILITY):
        lines += _export(request, matches, actor=actor)
    elif request.kind in (RequestKind.ERASURE, RequestKind.RECTIFICATION):
        lines += _rewrite(request, matches, corrections or {}, actor=actor)
    else:
        lines.append("De gevonden records zijn aan u gemeld; pas de beperking of het bezwaar toe in uw brongegevens. "
                     "Wij verwerken deze records niet verder zonder uw instructie.")
    receipt = "\n".join(lines)
    with transaction.atomic():
        request.status = RequestStatus.EXECUTED
        request.receipt = receipt
        request.closed_at = timezone.now()
        request.identity_checked_by = identity_checked_by.strip()
        request.identity_checked_with = identity_checked_with.strip()
        request.save()
        if request.identity_checked_with:
            do_record_event(EventType.SUBJECT_IDENTITY_CHECKED, actor=actor, client_id=request.client_id, obj=request,
                            details={"document_type": request.identity_checked_with})
        do_record_event(EventType.SUBJECT_REQUEST_EXECUTED, actor=actor, client_id=request.client_id, obj=request,
                        details={"kind": request.kind, "files": len(matches), "records": count,
                                 "on_time": timezone.localdate() <= request.due})
    return receipt


def _export(request, matches: list[FileMatch], *, actor: Actor) -> list[str]:
    from verwerker.intake.actions import do_put_in_outbox

    if not matches:
        return ["Er is niets te verstrekken."]
    records = [{"bestand": m.name, **r} for m in matches for r in m.records]
    frame = pl.DataFrame(records, infer_schema_length=None).cast(pl.String)
    stem = f"{request.reference}-{request.kind}"
    do_put_in_outbox(request.client, f"{stem}.csv", _csv_bytes(frame, for_people=True), actor=actor)
    do_put_in_outbox(request.client, f"{stem}.json", json.dumps(records, ensure_ascii=False, indent=1).encode(), actor=actor)
    return [f"De records staan in uw SFTP-outbox als {stem}.csv en {stem}.json."]


def _reprofile(blob, *, actor: Actor) -> None:
    """The data file now held as ``blob`` has other records: its profile and record count follow."""
    from verwerker.datafiles.actions import do_profile_data_file
    from verwerker.datafiles.models import DataFile

    for data_file_id in DataFile.objects.filter(blob=blob).values_list("pk", flat=True):
        do_profile_data_file(data_file_id, actor=actor, force=True)


def _rewrite(request, matches: list[FileMatch], corrections: dict[str, str], *, actor: Actor) -> list[str]:
    from verwerker.retention.certificates import do_issue_certificate
    from verwerker.vault.actions import do_shred_blobs, do_store_blob
    from verwerker.vault.models import Blob

    lines, old_ids = [], []
    for match in matches:
        old = Blob.objects.get(pk=match.blob_id)
        table, kinds = _load(old, match.name)
        frame = table.frame.with_row_index("__row")
        chosen = pl.col("__row").is_in(match.rows)
        if request.kind == RequestKind.ERASURE:
            frame = frame.filter(~chosen)
            done = f"{len(match.rows)} record(s) verwijderd"
        else:
            by_kind = {k.value: c for c, k in kinds.items()}
            columns = {by_kind.get(key, key): value for key, value in corrections.items() if by_kind.get(key, key) in frame.columns}
            if not columns:
                raise ValidationError(f"{match.name}: none of the corrected fields is a column of this file")
            frame = frame.with_columns(
                **{c: pl.when(chosen).then(pl.lit(v)).otherwise(pl.col(c)) for c, v in columns.items()}
            )
            done = f"{len(match.rows)} record(s) gecorrigeerd ({', '.join(sorted(columns))})"
        new = do_store_blob(_csv_bytes(frame.drop("__row"), for_people=False), client=request.client, purpose=old.purpose, name=old.name, actor=actor)
        with transaction.atomic():
            _replace_blob(old, new)
            do_shred_blobs([old.pk], actor=actor, reason="data_subject_request")
            do_record_event(EventType.SUBJECT_RECORDS_REWRITTEN, actor=actor, client_id=request.client_id, obj=request,
                            details={"old_blob": str(old.pk), "new_blob": str(new.pk), "records": len(match.rows)})
        old_ids.append(old.pk)
        _reprofile(new, actor=actor)
        lines.append(f"{match.name}: {done}; het oude bestand is cryptografisch gewist.")
    if old_ids:
        cert = do_issue_certificate(request.client_id, old_ids, reason="data_subject_request", actor=actor,
                                    subject=f"data-subject request {request.reference}")
        lines.append(f"Vernietigingsverklaring: {cert.pk}.")
    else:
        lines.append("Er zijn geen records van deze persoon in bestanden die wij nog bewaren.")
    return lines
