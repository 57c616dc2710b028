"""Data-subject requests (P07): log on the client's behalf, search the files still held, execute, receipt.

The house is the processor: it acts on a request only through the client's designated contact; a person
who writes in directly is referred to the client. Requests are searched over the client's data files that
the vault still holds, with the column kinds stored on each (the database department's overrides
included); records are found by keyed hashes (subjects.py), shown to the privacy officer once, in the
response to the search, which stores only its counts. An erasure or rectification is carried out by
``datafiles.actions.do_rewrite_data_file``: a new blob, the old one and every job's copies of the old
records crypto-shredded and certified, jobs not yet delivered produced again, delivered ones named on
the receipt.

Transactions: each file is rewritten on its own (see do_rewrite_data_file), so a failure halfway leaves
every file either as it was or rewritten, and the request open.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.models import Client, Contact
from verwerker.datafiles.actions import do_rewrite_data_file
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.models import DataFile, DataFileState
from verwerker.datafiles.read import UnreadableFile, read_table
from verwerker.intake.actions import do_put_in_outbox
from verwerker.lib.spreadsheet import csv_writer
from verwerker.privacy.models import DataSubjectRequest, RequestConcerns, RequestKind, RequestStatus
from verwerker.privacy.subjects import Criteria, criteria_keys, matching_rows
from verwerker.vault.actions import read_blob_bytes
from verwerker.vault.crypto import VaultError
from verwerker.vault.models import BlobState, DeletionReason, ReadPurpose


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
        raise ValidationError(_lazy("give the person's e-mail address, or postcode and house number"))
    if from_contact is not None and (from_contact.client_id != client.pk or not from_contact.is_designated):
        raise ValidationError(_lazy("only the client's designated contact can pass on a request (P07)"))
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
        with translation.override(settings.LANGUAGE_CODE):  # a receipt is frozen in the house's language
            request.receipt = gettext(
                "%(reference)s: the request came from the person directly. As processor we act only on "
                "instructions of %(client)s; the person has been referred to %(client)s."
            ) % {"reference": request.reference, "client": client.name}
        request.closed_at = now
        request.save(update_fields=["receipt", "closed_at"])
    do_record_event(
        EventType.SUBJECT_REQUEST_LOGGED, actor=actor, client_id=client.pk, obj=request,
        details={"kind": kind, "status": request.status},
    )
    return request


def register_controller_request(concerns: str, kind: str, *, subject_mask: str) -> DataSubjectRequest:
    """Enter a request made to the house as controller (an own relation, a person on camera) in the register.

    The one numbering and the one-month deadline of every request; open until the owning app's action
    closes it (close_controller_request). Called inside that app's action, which writes the audit event.
    """
    if concerns == RequestConcerns.CLIENT_FILES:
        raise ValueError("a request about a client's files is logged with do_log_subject_request")
    if kind not in RequestKind.values:
        raise ValidationError(_lazy("unknown kind of request"))
    now = timezone.now()
    return DataSubjectRequest.objects.create(
        reference=_next_reference(now), concerns=concerns, client=None, kind=kind, received_at=now,
        from_person=True, subject_mask=subject_mask[:200], deadline=add_months(timezone.localdate(now), 1),
        status=RequestStatus.OPEN,
    )


def close_controller_request(request: DataSubjectRequest, *, receipt: str) -> bool:
    """Record the answer of a controller request (the owning app's action audits it); whether it was on time."""
    now = timezone.now()
    DataSubjectRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.EXECUTED, receipt=receipt, closed_at=now
    )
    request.refresh_from_db(fields=["status", "receipt", "closed_at"])
    return timezone.localdate(now) <= request.due


@transaction.atomic
def do_extend_subject_request(request: DataSubjectRequest, *, reason: str, actor: Actor) -> None:
    """Extend by two months (Art. 12(3)); only within the first month and only with reasons."""
    if not reason.strip():
        raise ValidationError(_lazy("an extension needs its reasons"))
    if timezone.localdate() > request.deadline:
        raise ValidationError(_lazy("an extension must be decided within the first month"))
    if request.extended_to:
        raise ValidationError(_lazy("this request was extended already"))
    request.extended_to = add_months(timezone.localdate(request.received_at), 3)
    request.extension_reason = reason.strip()
    request.save(update_fields=["extended_to", "extension_reason"])
    do_record_event(EventType.SUBJECT_REQUEST_EXTENDED, actor=actor, client_id=request.client_id, obj=request,
                    details={"extended_to": request.extended_to.isoformat()})


@dataclass
class FileMatch:
    data_file_id: int
    name: str
    rows: list[int]
    columns: list[str] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)  # for the screen only; never stored


def _held_files(client_id: int):
    """The client's profiled data files whose content the vault still holds."""

    return DataFile.objects.filter(
        client_id=client_id, state=DataFileState.PROFILED, blob__state=BlobState.STORED
    ).order_by("received_at", "pk")


def _load(data_file, *, actor: Actor):
    """The file's table and its stored column kinds (as profiled, overrides included)."""

    table = read_table(
        read_blob_bytes(data_file.blob_id, actor=actor, purpose=ReadPurpose.SUBJECT_REQUEST), name=data_file.name
    )
    kinds = {column: Kind(kind) for column, kind in data_file.column_kinds.items() if column in table.frame.columns}
    return table, kinds


def _find(request: DataSubjectRequest, *, actor: Actor) -> list[FileMatch]:
    matches = []
    for data_file in _held_files(request.client_id):  # type: ignore[arg-type]
        try:
            table, kinds = _load(data_file, actor=actor)
        except (UnreadableFile, VaultError):
            continue
        rows = matching_rows(table.frame, kinds, request.subject_keys, _secret())
        if rows:
            frame = table.frame[rows]
            matches.append(FileMatch(data_file.pk, data_file.name, rows, frame.columns, frame.to_dicts()))
    return matches


def search_subject_request(request: DataSubjectRequest, *, actor: Actor) -> list[FileMatch]:
    """Every record of the person in the files still held for the client (for the screen, once).

    Stores the counts on the request and audits them; the records themselves are returned, never stored.
    Raises ValidationError for a request that is not about a client's files.
    """
    _client_files_only(request)
    matches = _find(request, actor=actor)
    with transaction.atomic():
        DataSubjectRequest.objects.filter(pk=request.pk).update(
            searched_at=timezone.now(), found_files=len(matches), found_records=sum(len(m.rows) for m in matches)
        )
        do_record_event(
            EventType.SUBJECT_REQUEST_SEARCHED, actor=actor, client_id=request.client_id, obj=request,
            details={"files": len(matches), "records": sum(len(m.rows) for m in matches)},
        )
    request.refresh_from_db(fields=["searched_at", "found_files", "found_records"])
    return matches


def _client_files_only(request: DataSubjectRequest) -> None:
    if request.concerns != RequestConcerns.CLIENT_FILES:
        raise ValidationError(
            _lazy("request %(reference)s is answered on the screen of %(concerns)s"),
            params={"reference": request.reference, "concerns": request.get_concerns_display()},
        )


def _csv_bytes(frame: pl.DataFrame, *, for_people: bool) -> bytes:
    """The frame as CSV; ``for_people``: formula-neutralised for a spreadsheet (the records sent to the
    client), else exactly the values (a rectified data file, which is processed again)."""
    out = io.StringIO()
    writer = csv_writer(out, delimiter=";") if for_people else csv.writer(out, delimiter=";")
    writer.writerow(frame.columns)
    writer.writerows(frame.rows())
    return out.getvalue().encode("utf-8")


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
    _client_files_only(request)
    if request.status != RequestStatus.OPEN:
        raise ValidationError(
            _lazy("request %(reference)s is %(status)s"),
            params={"reference": request.reference, "status": request.get_status_display()},
        )
    if request.kind == RequestKind.PORTABILITY and not (identity_checked_by.strip() and identity_checked_with.strip()):
        raise ValidationError(_lazy("record who checked the identity, and with what document, before a transfer"))
    if request.kind == RequestKind.RECTIFICATION and not corrections:
        raise ValidationError(_lazy("give the corrected values"))
    matches = search_subject_request(request, actor=actor)
    count = sum(len(m.rows) for m in matches)
    lines = [f"Ontvangstbevestiging {request.reference} ({request.get_kind_display()})",
             f"Klant: {request.client.name}. Persoon: {request.subject_mask}.",  # type: ignore[union-attr]
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
    if not matches:
        return ["Er is niets te verstrekken."]
    records = [{"bestand": m.name, **r} for m in matches for r in m.records]
    frame = pl.DataFrame(records, infer_schema_length=None).cast(pl.String)
    stem = f"{request.reference}-{request.kind}"
    do_put_in_outbox(request.client, f"{stem}.csv", _csv_bytes(frame, for_people=True), actor=actor)
    do_put_in_outbox(
        request.client, f"{stem}.json", json.dumps(records, ensure_ascii=False, indent=1).encode(), actor=actor
    )
    return [f"De records staan in uw SFTP-outbox als {stem}.csv en {stem}.json."]


def _rewrite(request, matches: list[FileMatch], corrections: dict[str, str], *, actor: Actor) -> list[str]:
    """Erase or correct the person's records in each file (do_rewrite_data_file); the receipt's lines."""

    lines: list[str] = []
    certificates, reproduced, delivered = [], [], []
    for match in matches:
        data_file = DataFile.objects.get(pk=match.data_file_id)
        if request.kind == RequestKind.ERASURE:
            result = do_rewrite_data_file(data_file, drop_rows=match.rows, reason=DeletionReason.DATA_SUBJECT_REQUEST,
                                          subject=f"data-subject request {request.reference}", actor=actor)
            done = f"{len(match.rows)} record(s) verwijderd"
        else:
            by_kind = {k.value: c for c, k in _stored_kinds(data_file).items()}
            columns = {by_kind.get(key, key): value for key, value in corrections.items()
                       if by_kind.get(key, key) in match.columns}
            if not columns:
                raise ValidationError(
                    _lazy("%(file)s: none of the corrected fields is a column of this file"),
                    params={"file": match.name},
                )
            result = do_rewrite_data_file(data_file, set_values={row: columns for row in match.rows},
                                          reason=DeletionReason.DATA_SUBJECT_REQUEST,
                                          subject=f"data-subject request {request.reference}", actor=actor)
            done = f"{len(match.rows)} record(s) gecorrigeerd ({', '.join(sorted(columns))})"
        certificates.append(str(result.certificate.pk))  # type: ignore[attr-defined]
        reproduced += result.reproduced
        delivered += result.delivered
        lines.append(f"{match.name}: {done}; het oude bestand is cryptografisch gewist.")
    if not matches:
        lines.append("Er zijn geen records van deze persoon in bestanden die wij nog bewaren.")
        return lines
    for _job_id, name in reproduced:
        lines.append(f"Opdracht «{name}» was nog niet geleverd: de uitvoer is gewist en de opdracht wordt "
                     "opnieuw geproduceerd uit het herschreven bestand.")
    for job in delivered:
        when = timezone.localtime(job.delivered_at).strftime("%d-%m-%Y %H:%M")
        lines.append(f"Let op: opdracht «{job.name}» is op {when} geleverd aan {_target_nl(job.target)}; "
                     "de gedrukte stukken vallen buiten het systeem. De kopieën die wij nog bewaarden zijn gewist.")
    lines.append(f"Vernietigingsverklaring: {', '.join(certificates)}.")
    return lines


def _target_nl(target: str) -> str:
    return target.replace("print station", "drukpers").replace("subprocessor", "onderaannemer")


def _stored_kinds(data_file) -> dict:
    return {column: Kind(kind) for column, kind in data_file.column_kinds.items()}
