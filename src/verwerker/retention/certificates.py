"""Deletion certificates (vernietigingsverklaring, DOMAIN.md §5.2): issue, render, verify.

A certificate says what was deleted (blob ids, names, plaintext SHA-256, sizes, record counts when
known), for which client under which agreement, when, why, how (cryptographic erase per NIST SP
800-88 Rev. 2: the AES-256 data key destroyed), by which component, and what was kept by legal
obligation. Its canonical JSON is frozen at issue and its SHA-256 goes into the audit log, which is
hash-chained: a certificate is verified by finding that hash in an intact audit event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit import chain
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.retention.models import DeletionCertificate, DeletionCertificateItem, DeletionReason
from verwerker.retention.purge import AFTER_RUN

FORMAT = 2
COMPONENT = "verwerker.retention (purge) / verwerker.vault (crypto-shred)"
# Blob ids -> {blob id: record count} for those an app knows (datafiles registers one: rows of a profiled
# file). One call per certificate, not per blob: a purge certifies thousands of blobs at once.
RECORD_COUNTERS: list[Callable[[list[uuid.UUID]], dict[uuid.UUID, int]]] = []

# What a certificate says happened to the data when the caller does not say it (a job's close does).
_DEFAULT_OUTCOME = {
    DeletionReason.DATA_SUBJECT_REQUEST: _lazy("erased at the request of a data subject"),
}
# The fallback name of a blob no app knows a client's name for, by the vault's purpose.
_PURPOSE_NAME = {
    "upload": _lazy("uploaded file"),
    "reject_report": _lazy("reject report"),
    "certificate": _lazy("earlier certificate of deletion"),
    "consent_document": _lazy("consent document"),
}


def canonical_json(body: dict) -> bytes:
    """The one byte form of a certificate: sorted keys, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _versions() -> str:
    def v(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "unknown"

    from cryptography.hazmat.backends.openssl.backend import backend

    return f"Verwerker {v('verwerker')}; cryptography {v('cryptography')} ({backend.openssl_version_text()})"


def _reason_for(shred_reason: str) -> str:
    return shred_reason if shred_reason in DeletionReason.values else DeletionReason.OTHER


def local_minute(value: dt.datetime | None) -> str | None:
    """A moment as the client reads it: local time of the house, to the minute, in the house's one
    format ("02-03-2026 14:05", as verwerker/formats)."""
    return timezone.localtime(value).strftime("%d-%m-%Y %H:%M") if value else None


def _record_counts(blob_ids: list) -> dict:
    counts: dict = {}
    for counter in RECORD_COUNTERS:
        for blob_id, count in counter([b for b in blob_ids if b not in counts]).items():
            if count is not None:
                counts.setdefault(blob_id, count)
    return counts


def client_names(blob_ids: list) -> dict:
    """{blob id: the name the client gave or knows it by}: the job's outputs in words, else the data
    file's or upload's file name, else the outbox file's name. The certificate's issuer asks the apps
    that hold the names (a caller calls what it needs); blobs none of them knows keep their vault name."""
    from verwerker.datafiles.queries import client_names_of_blobs as data_file_names
    from verwerker.intake.queries import client_names_of_blobs as intake_names
    from verwerker.production.queries import client_names_of_blobs as job_names

    names: dict = {}
    for namer in (job_names, data_file_names, intake_names):
        for blob_id, name in namer(blob_ids).items():
            names.setdefault(blob_id, name)
    return names


@transaction.atomic
def do_issue_certificate(
    client_id: int, blob_ids: Iterable, *, reason: str, actor: Actor, subject: str = "", outcome: str = "",
    names: dict | None = None,
) -> DeletionCertificate:
    """Certify the deletion of these (already shredded, not yet certified) blobs of one client.

    ``reason`` is the occasion (a DeletionReason); each item also carries the reason its blob was
    shredded for. ``outcome`` says what became of the job (printed, cancelled, erased on request) in
    the client's language. ``names`` ({blob id: name}) is for a caller that knows better than the apps
    what the client calls a blob no row points at any more (a file replaced by its rewrite). Texts are
    frozen in the house's language (settings.LANGUAGE_CODE).
    Raises ValueError if a blob is still live, belongs to another client, or is certified already,
    or for an unknown reason. Records CERTIFICATE_ISSUED with the SHA-256 of the canonical JSON.

    ``client_id`` None certifies the house's own records (camera clips): the house is then the controller.
    """
    from verwerker.clients.models import Agreement, Client
    from verwerker.clients.queries import get_active_agreement
    from verwerker.vault.models import Blob, BlobState

    if reason not in DeletionReason.values:
        raise ValueError(f"unknown deletion reason {reason!r}")
    with translation.override(settings.LANGUAGE_CODE):
        subject, outcome = str(subject), str(outcome)
    client = Client.objects.get(pk=client_id) if client_id is not None else None
    blobs = list(Blob.objects.select_for_update().filter(pk__in=list(blob_ids)).order_by("created_at", "pk"))
    if not blobs:
        raise ValueError("a certificate needs at least one deleted blob")
    for blob in blobs:
        if blob.client_id != client_id:
            raise ValueError(f"blob {blob.pk} belongs to another client")
        if blob.state not in (BlobState.SHREDDING, BlobState.SHREDDED) or blob.wrapped_key is not None:
            raise ValueError(f"blob {blob.pk} is not deleted")
    if DeletionCertificateItem.objects.filter(blob__in=blobs).exists():
        raise ValueError("some of these blobs are on a certificate already")
    agreement = None
    if client is not None:
        agreement = get_active_agreement(client) or Agreement.objects.filter(client=client).order_by("-starts_on").first()
    cert = DeletionCertificate(
        client=client,
        agreement_reference=agreement.reference if agreement else "",
        reason=DeletionReason(reason),
        subject=subject[:200],
        issued_at=timezone.now(),
        objects_deleted=len(blobs),
    )
    with translation.override(settings.LANGUAGE_CODE):
        body = _body(cert, client, blobs, actor=actor, outcome=outcome, names=names or {})
    cert.body = canonical_json(body).decode("utf-8")
    cert.sha256 = hashlib.sha256(cert.body.encode("utf-8")).hexdigest()
    cert.save(force_insert=True)
    DeletionCertificateItem.objects.bulk_create([DeletionCertificateItem(certificate=cert, blob=b) for b in blobs])
    do_record_event(
        EventType.CERTIFICATE_ISSUED,
        actor=actor,
        client_id=client_id,
        obj=cert,
        details={"sha256": cert.sha256, "objects": len(blobs), "reason": cert.reason},
    )
    return cert


def _body(cert: DeletionCertificate, client, blobs: list, *, actor: Actor, outcome: str, names: dict) -> dict:
    ids = [blob.pk for blob in blobs]
    record_counts = _record_counts(ids)
    names = {**client_names(ids), **{uuid.UUID(str(k)): str(v) for k, v in names.items()}}
    items = []
    for blob in blobs:
        item_reason = _reason_for(blob.shred_reason)
        items.append(
            {
                "blob_id": str(blob.pk),
                "name": names.get(blob.pk) or blob.name or str(_PURPOSE_NAME.get(blob.purpose, blob.purpose)),
                "purpose": blob.purpose,
                "reason": item_reason,
                "reason_text": str(DeletionReason(item_reason).label),
                "sha256": blob.sha256 or None,
                "size": blob.size,
                "record_count": record_counts.get(blob.pk),
                "received_at": local_minute(blob.created_at),
                "deleted_at": local_minute(blob.shredded_at),
                "master_key_id": blob.master_key_id,
            }
        )
    counts = [i["record_count"] for i in items]
    return {
        "document": "vernietigingsverklaring / certificate of deletion",
        "format": FORMAT,
        "certificate_id": str(cert.id),
        "issued_at": local_minute(cert.issued_at),
        "time_zone": settings.TIME_ZONE,
        "processor": {"name": settings.HOUSE_NAME},
        "controller": {"client_id": client.pk, "name": client.name} if client else {"client_id": None, "name": settings.HOUSE_NAME},
        "agreement_reference": cert.agreement_reference,
        "subject": cert.subject,
        "reason": cert.reason,
        "reason_text": str(DeletionReason(cert.reason).label),
        "outcome": outcome or str(_DEFAULT_OUTCOME.get(cert.reason, "")),
        "deleted": items,
        "totals": {
            "objects": len(items),
            "bytes": sum(i["size"] or 0 for i in items),
            "records": sum(counts) if counts and None not in counts else None,
        },
        "method": {
            "technique": str(_lazy("cryptographic erase (crypto-shredding)")),
            "standard": str(_lazy("NIST SP 800-88 Rev. 2, cryptographic erase; sanitisation level: purge")),
            "details": str(_lazy(
                "each file was stored encrypted (AES-256-GCM, STREAM construction) under its own random 256-bit "
                "data key, which existed only wrapped by the master key in the vault database; that wrapped key "
                "was destroyed (set to NULL) in the same transaction as the deletion record, and the ciphertext "
                "file was removed afterwards"
            )),
            "tool": _versions(),
            "verification": str(_lazy("the key column of every listed file was checked to be empty when this certificate was issued")),
            "locations": [str(_lazy("vault (encrypted file store)"))],
            "backups": str(_lazy("the vault is excluded from backups (privacy statement); no backup copy of the files exists")),
        },
        "component": COMPONENT,
        "performed_by": actor.label or actor.type,
        "data_kept_by_legal_obligation": False,
        "kept": str(_lazy(
            "no file content; kept for accountability (Art. 5(2) GDPR): this certificate, the files' metadata "
            "(names, sizes, SHA-256 hashes) and the audit trail"
        )),
    }


def issue_pending_certificates(*, actor: Actor) -> dict:
    """Certify every deleted blob not yet on a certificate: one certificate per client and reason.

    Runs after each purge, so blobs shredded by a run that was killed before it got here are certified
    by the next one.
    """
    from verwerker.vault.models import Blob, BlobState

    pending = (
        Blob.objects.filter(state__in=[BlobState.SHREDDING, BlobState.SHREDDED], certificate_item__isnull=True)
        .order_by("client_id", "shredded_at")
        .values_list("pk", "client_id", "shred_reason")
    )
    groups: dict[tuple[int, str], list] = defaultdict(list)
    for pk, client_id, shred_reason in pending.iterator(chunk_size=2000):
        groups[(client_id, _reason_for(shred_reason))].append(pk)
    issued = []
    for (client_id, reason), ids in groups.items():
        cert = do_issue_certificate(client_id, ids, reason=reason, actor=actor, subject=_SUBJECT_PURGE)
        issued.append(str(cert.id))
    return {"certificates": issued}


_SUBJECT_PURGE = _lazy("automatic deletion by the retention purge")

AFTER_RUN.append(issue_pending_certificates)


# -- verification -------------------------------------------------------------------------------


class CertificateInvalid(Exception):
    """The file is not a certificate this system issued, or it was altered."""


def verify_certificate_bytes(raw: bytes, *, source: str = "the certificate") -> dict:
    """Check a certificate against the audit log; return what was found. Raises CertificateInvalid.

    ``raw`` is the certificate's JSON, or its PDF: then the PDF's signature must be the house's and
    cover the whole file, and the JSON embedded in it is checked as the JSON would be.
    """
    if raw.lstrip()[:5] == b"%PDF-":
        return verify_certificate_pdf(raw, source=source)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CertificateInvalid(f"{source}: not JSON") from None
    if not isinstance(body, dict) or "certificate_id" not in body:
        raise CertificateInvalid(f"{source}: not a deletion certificate (no certificate_id)")
    digest = hashlib.sha256(canonical_json(body)).hexdigest()
    cert_id = str(body["certificate_id"])
    events = list(
        AuditEvent.objects.filter(
            action=EventType.CERTIFICATE_ISSUED, object_type="retention.deletioncertificate", object_id=cert_id
        )
    )
    if not events:
        raise CertificateInvalid(f"{source}: certificate {cert_id} is unknown to this system's audit log")
    event = next((e for e in events if json.loads(e.details).get("sha256") == digest), None)
    if event is None:
        raise CertificateInvalid(
            f"{source}: certificate {cert_id} was altered: its content does not match the hash recorded at issue"
        )
    if chain.link(event.prev_hash, event.chain_values()) != event.hash:
        raise CertificateInvalid(f"{source}: the audit event #{event.seq} recording it was changed after writing")
    from verwerker.vault.models import Blob

    ids = [item["blob_id"] for item in body.get("deleted", [])]
    keyed = Blob.objects.filter(pk__in=ids).exclude(wrapped_key=None).count()
    if keyed:
        raise CertificateInvalid(f"{source}: {keyed} of the files it lists still have a key")
    return {"certificate_id": cert_id, "sha256": digest, "audit_seq": event.seq, "issued_at": body.get("issued_at"),
            "objects": len(ids)}


def verify_certificate_pdf(raw: bytes, *, source: str = "the certificate") -> dict:
    """Check a certificate PDF: the house's signature over the whole file, then its embedded JSON
    against the audit log. Raises CertificateInvalid naming what is wrong."""
    import pikepdf

    from verwerker.retention.signing import SignatureInvalid, check_pdf_signature

    try:
        signature = check_pdf_signature(raw, source=source)
    except SignatureInvalid as exc:
        raise CertificateInvalid(str(exc)) from None
    try:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            attached = pdf.attachments.get(ATTACHMENT)
            body = attached.get_file().read_bytes() if attached is not None else None
    except pikepdf.PdfError:
        raise CertificateInvalid(f"{source}: not a readable PDF") from None
    if body is None:
        raise CertificateInvalid(f"{source}: the PDF does not carry the certificate's JSON ({ATTACHMENT})")
    found = verify_certificate_bytes(body, source=source)
    return {**found, "signed_by": signature.signer, "signing_certificate_sha256": signature.certificate_sha256}


# -- PDF ------------------------------------------------------------------------------------------

ATTACHMENT = "vernietigingsverklaring.json"

_TYPST = r"""
#let c = json(bytes(sys.inputs.cert))
#let l = json(bytes(sys.inputs.labels))
#pdf.attach("vernietigingsverklaring.json", bytes(sys.inputs.cert), mime-type: "application/json",
  description: l.attachment)
#set document(title: l.title + " " + c.certificate_id)
#set page(paper: "a4", margin: 2cm, footer: context [
  #set text(7pt)
  SHA-256 (JSON): #sys.inputs.sha256 #h(1fr) #counter(page).display("1 / 1", both: true)
])
#set text(size: 9.5pt, lang: sys.inputs.lang)
#text(17pt, weight: "bold")[#l.title]
#linebreak() #text(10pt)[#c.certificate_id]

#table(columns: (auto, 1fr), stroke: none, inset: 3pt,
  [*#l.processor*], [#c.processor.name],
  [*#l.controller*], [#c.controller.name (#l.client #c.controller.client_id)],
  [*#l.agreement*], [#c.agreement_reference],
  [*#l.subject*], [#c.subject],
  [*#l.outcome*], [#if c.at("outcome", default: "") == "" [—] else [#c.outcome]],
  [*#l.issued*], [#c.issued_at #if "time_zone" in c [(#c.time_zone)]],
  [*#l.reason*], [#c.reason_text],
  [*#l.method*], [#c.method.technique; #c.method.standard],
  [*#l.details*], [#c.method.details],
  [*#l.tool*], [#c.method.tool],
  [*#l.verification*], [#c.method.verification],
  [*#l.backups*], [#c.method.backups],
  [*#l.component*], [#c.component; #c.performed_by],
  [*#l.kept*], [#if c.data_kept_by_legal_obligation [#l.yes] else [#l.no] — #c.kept],
  [*#l.totals*], [#c.totals.objects #l.files, #c.totals.bytes bytes#if c.totals.records != none [, #c.totals.records #l.records]],
  [*#l.signature*], [#l.signed #c.processor.name #l.signed_rest],
)

== #l.deleted_files
#set text(size: 7.5pt)
#table(columns: (1.3fr, 1fr, auto, auto, auto), inset: 3pt,
  table.header([*#l.file*], [*#l.reason*], [*Bytes*], [*Records*], [*#l.deleted*]),
  ..c.deleted.map(d => (
    [#d.name \ #text(5.5pt)[#d.blob_id \ SHA-256 #if d.sha256 == none [—] else [#d.sha256]]],
    [#d.at("reason_text", default: c.reason_text)],
    [#if d.size == none [—] else [#d.size]],
    [#if d.record_count == none [—] else [#d.record_count]],
    [#if d.deleted_at == none [—] else [#d.deleted_at]],
  )).flatten()
)
"""


_PDF_LABELS = {
    "title": _lazy("Deletion certificate"),
    "processor": _lazy("Processor"),
    "controller": _lazy("Controller"),
    "client": _lazy("client"),
    "agreement": _lazy("Processing agreement"),
    "subject": _lazy("Subject"),
    "outcome": _lazy("Outcome"),
    "issued": _lazy("Issued on"),
    "reason": _lazy("Reason"),
    "method": _lazy("Method"),
    "details": _lazy("Details"),
    "tool": _lazy("Tool"),
    "verification": _lazy("Verification"),
    "backups": _lazy("Backups"),
    "component": _lazy("Performed by"),
    "kept": _lazy("Kept under a legal obligation"),
    "yes": _lazy("yes"),
    "no": _lazy("no"),
    "totals": _lazy("Totals"),
    "files": _lazy("file(s)"),
    "records": _lazy("records"),
    "signature": _lazy("Signature"),
    "signed": _lazy("Digitally signed by"),
    "signed_rest": _lazy("(PAdES); the embedded JSON is the certificate itself."),
    "deleted_files": _lazy("Deleted files"),
    "file": _lazy("File"),
    "deleted": _lazy("Deleted"),
    "attachment": _lazy("The certificate as JSON; check it with: verwerker certificate verify"),
}


def render_certificate_pdf(cert: DeletionCertificate) -> bytes:
    """The certificate as a PDF signed by the house (PAdES), compiled in memory by Typst from its frozen
    JSON, which it also carries as an attachment (no file is written)."""
    import typst

    from verwerker.retention.signing import sign_pdf

    # The labels in the language the certificate's texts were frozen in (LANGUAGE_CODE at issue).
    with translation.override(settings.LANGUAGE_CODE):
        labels = json.dumps({k: str(v) for k, v in _PDF_LABELS.items()}, ensure_ascii=False)
        lang = translation.get_language() or "nl"
    pdf = typst.compile(_TYPST.encode("utf-8"), format="pdf",
                        sys_inputs={"cert": cert.body, "sha256": cert.sha256, "labels": labels, "lang": lang[:2]})
    return sign_pdf(pdf, reason=f"Vernietigingsverklaring {cert.id}")
