"""Deletion certificates (vernietigingsverklaring, DOMAIN.md §5.2): issue, render, verify.

A certificate says what was deleted (blob ids, names, plaintext SHA-256, sizes, record counts when
known), for which client under which agreement, when, why, how (cryptographic erase per NIST SP
800-88 Rev. 2: the AES-256 data key destroyed), by which component, and what was kept by legal
obligation. Its canonical JSON is frozen at issue and its SHA-256 goes into the audit log, which is
hash-chained: a certificate is verified by finding that hash in an intact audit event.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from verwerker.audit import chain
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.retention.models import DeletionCertificate, DeletionCertificateItem, DeletionReason
from verwerker.retention.purge import AFTER_RUN

FORMAT = 1
COMPONENT = "verwerker.retention (purge) / verwerker.vault (crypto-shred)"
# Blob ids -> {blob id: record count} for those an app knows (datafiles registers one: rows of a profiled
# file). One call per certificate, not per blob: a purge certifies thousands of blobs at once.
RECORD_COUNTERS: list[Callable[[list[uuid.UUID]], dict[uuid.UUID, int]]] = []

_REASON_TEXT = {
    DeletionReason.JOB_COMPLETED: "the job was completed (Art. 28(3)(g) GDPR: deletion at the end of the service)",
    DeletionReason.RETENTION_EXPIRED: "the maximum retention period of the processing agreement expired",
    DeletionReason.DATA_SUBJECT_REQUEST: "a data-subject request passed on by the controller",
    DeletionReason.OTHER: "an incomplete upload or a manual deletion",
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


def _record_counts(blob_ids: list) -> dict:
    counts: dict = {}
    for counter in RECORD_COUNTERS:
        for blob_id, count in counter([b for b in blob_ids if b not in counts]).items():
            if count is not None:
                counts.setdefault(blob_id, count)
    return counts


@transaction.atomic
def do_issue_certificate(
    client_id: int, blob_ids: Iterable, *, reason: str, actor: Actor, subject: str = ""
) -> DeletionCertificate:
    """Certify the deletion of these (already shredded, not yet certified) blobs of one client.

    ``client_id`` None certifies the house's own records (camera clips): the house is then the controller.

    Raises ValueError if a blob is still live, belongs to another client, or is certified already.
    Records CERTIFICATE_ISSUED with the SHA-256 of the canonical JSON.
    """
    from verwerker.clients.models import Agreement, Client
    from verwerker.clients.queries import get_active_agreement
    from verwerker.vault.models import Blob, BlobState

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
    items = []
    record_counts = _record_counts([blob.pk for blob in blobs])
    for blob in blobs:
        items.append(
            {
                "blob_id": str(blob.pk),
                "name": blob.name,
                "purpose": blob.purpose,
                "sha256": blob.sha256 or None,
                "size": blob.size,
                "record_count": record_counts.get(blob.pk),
                "received_at": blob.created_at.isoformat(),
                "deleted_at": blob.shredded_at.isoformat() if blob.shredded_at else None,
                "master_key_id": blob.master_key_id,
            }
        )
    counts = [i["record_count"] for i in items]
    body = {
        "document": "vernietigingsverklaring / certificate of deletion",
        "format": FORMAT,
        "certificate_id": str(cert.id),
        "issued_at": cert.issued_at.isoformat(),
        "processor": {"name": settings.HOUSE_NAME},
        "controller": {"client_id": client.pk, "name": client.name} if client else {"client_id": None, "name": settings.HOUSE_NAME},
        "agreement_reference": cert.agreement_reference,
        "subject": cert.subject,
        "reason": cert.reason,
        "reason_text": _REASON_TEXT[DeletionReason(cert.reason)],
        "deleted": items,
        "totals": {
            "objects": len(items),
            "bytes": sum(i["size"] or 0 for i in items),
            "records": sum(counts) if counts and None not in counts else None,
        },
        "method": {
            "technique": "cryptographic erase (crypto-shredding)",
            "standard": "NIST SP 800-88 Rev. 2, cryptographic erase; sanitisation level: purge",
            "details": (
                "each file was stored encrypted (AES-256-GCM, STREAM construction) under its own random 256-bit "
                "data key, which existed only wrapped by the master key in the vault database; that wrapped key "
                "was destroyed (set to NULL) in the same transaction as the deletion record, and the ciphertext "
                "file was removed afterwards"
            ),
            "tool": _versions(),
            "verification": "the key column of every listed file was checked to be empty when this certificate was issued",
            "locations": ["vault (encrypted file store)"],
            "backups": "the vault is excluded from backups (privacy statement); no backup copy of the files exists",
        },
        "component": COMPONENT,
        "performed_by": actor.label or actor.type,
        "data_kept_by_legal_obligation": False,
        "kept": (
            "no file content; kept for accountability (Art. 5(2) GDPR): this certificate, the files' metadata "
            "(names, sizes, SHA-256 hashes) and the audit trail"
        ),
    }
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
        cert = do_issue_certificate(client_id, ids, reason=reason, actor=actor, subject="retention purge")
        issued.append(str(cert.id))
    return {"certificates": issued}


AFTER_RUN.append(issue_pending_certificates)


# -- verification -------------------------------------------------------------------------------


class CertificateInvalid(Exception):
    """The file is not a certificate this system issued, or it was altered."""


def verify_certificate_bytes(raw: bytes, *, source: str = "the certificate") -> dict:
    """Check a certificate's JSON against the audit log; return what was found. Raises CertificateInvalid."""
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


# -- PDF ------------------------------------------------------------------------------------------

_TYPST = r"""
#let c = json(bytes(sys.inputs.cert))
#set document(title: "Vernietigingsverklaring " + c.certificate_id)
#set page(paper: "a4", margin: 2cm, footer: context [
  #set text(7pt)
  SHA-256 (JSON): #sys.inputs.sha256 #h(1fr) #counter(page).display("1 / 1", both: true)
])
#set text(size: 9.5pt, lang: "nl")
#text(17pt, weight: "bold")[Vernietigingsverklaring]
#linebreak() #text(10pt)[Certificate of deletion · #c.certificate_id]

#table(columns: (auto, 1fr), stroke: none, inset: 3pt,
  [*Verwerker (processor)*], [#c.processor.name],
  [*Verwerkingsverantwoordelijke (controller)*], [#c.controller.name (client #c.controller.client_id)],
  [*Verwerkersovereenkomst (agreement)*], [#c.agreement_reference],
  [*Datum van afgifte (issued)*], [#c.issued_at],
  [*Grond (reason)*], [#c.reason_text],
  [*Wijze (method)*], [#c.method.technique; #c.method.standard],
  [*Toelichting (details)*], [#c.method.details],
  [*Hulpmiddel (tool)*], [#c.method.tool],
  [*Controle (verification)*], [#c.method.verification],
  [*Back-ups*], [#c.method.backups],
  [*Uitgevoerd door (component)*], [#c.component; #c.performed_by],
  [*Bewaard op grond van een wettelijke plicht*], [#if c.data_kept_by_legal_obligation [ja] else [nee] — #c.kept],
  [*Totaal (totals)*], [#c.totals.objects bestand(en), #c.totals.bytes bytes#if c.totals.records != none [, #c.totals.records records]],
)

== Vernietigde bestanden (deleted files)
#set text(size: 7.5pt)
#table(columns: (auto, 1fr, auto, auto, auto), inset: 3pt,
  table.header([*Bestand / blob*], [*SHA-256 (plaintext)*], [*Bytes*], [*Records*], [*Vernietigd (deleted)*]),
  ..c.deleted.map(d => (
    [#d.name \ #text(6pt)[#d.blob_id]],
    text(6pt, if d.sha256 == none [—] else [#d.sha256]),
    [#if d.size == none [—] else [#d.size]],
    [#if d.record_count == none [—] else [#d.record_count]],
    [#if d.deleted_at == none [—] else [#d.deleted_at.slice(0, 19)]],
  )).flatten()
)
"""


def render_certificate_pdf(cert: DeletionCertificate) -> bytes:
    """The certificate as a PDF, compiled in memory by Typst from its frozen JSON (no file is written)."""
    import typst

    return typst.compile(_TYPST.encode("utf-8"), format="pdf", sys_inputs={"cert": cert.body, "sha256": cert.sha256})
