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
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _lazy

from verwerker.audit import chain
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.retention.models import DeletionCertificate, DeletionReason
from verwerker.vault.models import Blob

FORMAT = 2
COMPONENT = "verwerker.retention (purge) / verwerker.vault (crypto-shred)"

# What a certificate says happened to the data when the caller does not say it (a job's close does).
_DEFAULT_OUTCOME = {
    DeletionReason.DATA_SUBJECT_REQUEST: _lazy("erased at the request of a data subject"),
    DeletionReason.OWN_REQUEST: _lazy("erased at the request of the person it concerned"),
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

    from cryptography.hazmat.backends.openssl.backend import backend  # deferred: a heavy import

    return f"Verwerker {v('verwerker')}; cryptography {v('cryptography')} ({backend.openssl_version_text()})"


def reason_for(shred_reason: str) -> str:
    return shred_reason if shred_reason in DeletionReason.values else DeletionReason.OTHER


def local_minute(value: dt.datetime | None) -> str | None:
    """A moment as the client reads it: local time of the house, to the minute, in the house's one
    format ("02-03-2026 14:05", as verwerker/formats)."""
    return timezone.localtime(value).strftime("%d-%m-%Y %H:%M") if value else None


def client_names(blob_ids: list) -> dict:
    """{blob id: the name the client gave or knows it by}: the job's outputs in words, else the data
    file's or upload's file name, else the outbox file's name. The apps that hold the names sit above
    retention, so ``settings.CERTIFICATE_NAMERS`` lists their functions, in this order of preference;
    blobs none of them knows keep their vault name."""
    names: dict = {}
    for path in settings.CERTIFICATE_NAMERS:
        for blob_id, name in import_string(path)(blob_ids).items():
            names.setdefault(blob_id, name)
    return names


def certificate_body(
    cert: DeletionCertificate, client, blobs: list, *, actor: Actor, outcome: str, names: dict
) -> dict:
    ids = [blob.pk for blob in blobs]
    names = {**client_names(ids), **{uuid.UUID(str(k)): str(v) for k, v in names.items()}}
    items = []
    for blob in blobs:
        item_reason = reason_for(blob.shred_reason)
        items.append(
            {
                "blob_id": str(blob.pk),
                "name": names.get(blob.pk) or blob.name or str(_PURPOSE_NAME.get(blob.purpose, blob.purpose)),
                "purpose": blob.purpose,
                "reason": item_reason,
                "reason_text": str(DeletionReason(item_reason).label),
                "sha256": blob.sha256 or None,
                "size": blob.size,
                "record_count": blob.records,  # set by the app that read it (a data file's profile)
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
        "controller": {"client_id": client.pk, "name": client.name}
        if client
        else {"client_id": None, "name": settings.HOUSE_NAME},
        "agreement_reference": cert.agreement_reference,
        "subject": cert.subject,
        "reason": cert.reason,
        "reason_text": str(DeletionReason(cert.reason).label),
        "outcome": outcome or str(_DEFAULT_OUTCOME.get(cert.reason, "")),  # type: ignore[call-overload]
        "deleted": items,
        "totals": {
            "objects": len(items),
            "bytes": sum(i["size"] or 0 for i in items),
            "records": sum(counts) if counts and None not in counts else None,
        },
        "method": {
            "technique": str(_lazy("cryptographic erase (crypto-shredding)")),
            "standard": str(_lazy("NIST SP 800-88 Rev. 2, cryptographic erase; sanitisation level: purge")),
            "details": str(
                _lazy(
                    "each file was stored encrypted (AES-256-GCM, STREAM construction) under its own random 256-bit "
                    "data key, which existed only wrapped by the master key in the vault database; that wrapped key "
                    "was destroyed (set to NULL) in the same transaction as the deletion record, and the ciphertext "
                    "file was removed afterwards"
                )
            ),
            "tool": _versions(),
            "verification": str(
                _lazy("the key column of every listed file was checked to be empty when this certificate was issued")
            ),
            "locations": [str(_lazy("vault (encrypted file store)"))],
            "backups": str(
                _lazy("the vault is excluded from backups (privacy statement); no backup copy of the files exists")
            ),
        },
        "component": COMPONENT,
        "performed_by": actor.label or actor.type,
        "data_kept_by_legal_obligation": False,
        "kept": str(
            _lazy(
                "no file content; kept for accountability (Art. 5(2) GDPR): this certificate, the files' metadata "
                "(names, sizes, SHA-256 hashes) and the audit trail"
            )
        ),
    }


SUBJECT_PURGE = _lazy("automatic deletion by the retention purge")


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

    ids = [item["blob_id"] for item in body.get("deleted", [])]
    keyed = Blob.objects.filter(pk__in=ids).exclude(wrapped_key=None).count()
    if keyed:
        raise CertificateInvalid(f"{source}: {keyed} of the files it lists still have a key")
    return {"certificate_id": cert_id, "sha256": digest, "audit_seq": event.seq, "issued_at": body.get("issued_at"),
            "objects": len(ids)}


def verify_certificate_pdf(raw: bytes, *, source: str = "the certificate") -> dict:
    """Check a certificate PDF: the house's signature over the whole file, then its embedded JSON
    against the audit log. Raises CertificateInvalid naming what is wrong."""
    import pikepdf  # deferred: a heavy import

    # local: same layer or upward, a cycle at the top
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
"""  # noqa: E501


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
    import typst  # deferred: a heavy import

    from verwerker.retention.signing import sign_pdf  # local: same layer or upward, a cycle at the top

    # The labels in the language the certificate's texts were frozen in (LANGUAGE_CODE at issue).
    with translation.override(settings.LANGUAGE_CODE):
        labels = json.dumps({k: str(v) for k, v in _PDF_LABELS.items()}, ensure_ascii=False)
        lang = translation.get_language() or "nl"
    pdf = typst.compile(_TYPST.encode("utf-8"), format="pdf",
                        sys_inputs={"cert": cert.body, "sha256": cert.sha256, "labels": labels, "lang": lang[:2]})
    return sign_pdf(pdf, reason=f"Vernietigingsverklaring {cert.id}")
