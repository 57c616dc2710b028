"""Deletion certificates of the house's own relations as signed PDFs (P19, P07).

A CrmCertificate's body is canonical JSON whose SHA-256 is in the audit log (CRM_CERTIFICATE_ISSUED).
Its PDF is compiled in memory by Typst from that frozen JSON, carries the JSON as an attachment and is
signed by the house (PAdES), as retention's client certificates are (retention/signing.py); no file is
written. ``verify_crm_certificate_pdf`` checks the signature, then the embedded JSON against the audit log.
"""

from __future__ import annotations

import hashlib
import io
import json

from verwerker.audit import chain
from verwerker.audit.events import EventType
from verwerker.audit.models import AuditEvent
from verwerker.crm.models import CrmCertificate
from verwerker.retention.certificates import ATTACHMENT, CertificateInvalid
from verwerker.retention.signing import SignatureInvalid, check_pdf_signature, sign_pdf

# Dutch words for the codes in the body (the PDF is the house's document, in its language).
_CLASS_NL = {"crm": "CRM: eigen relaties zonder relatie of toestemming",
             "financieel": "financiële gegevens van eigen relaties"}
_REASON_NL = {"retention_expired": "de bewaartermijn is verstreken",
              "data_subject_request": "verzoek van de betrokkene"}
_OBJECT_NL = {"crm.person": "persoon", "crm.organisation": "organisatie", "crm.financialrecord": "financieel record",
              "crm.contractterm": "contractvoorwaarde"}

_TYPST = r"""
#let c = json(bytes(sys.inputs.cert))
#let nl = json(bytes(sys.inputs.nl))
#pdf.attach("vernietigingsverklaring.json", bytes(sys.inputs.cert), mime-type: "application/json",
  description: "De verklaring als JSON")
#set document(title: "Vernietigingsverklaring " + c.certificate_id)
#set page(paper: "a4", margin: 2cm, footer: context [
  #set text(7pt)
  SHA-256 (JSON): #sys.inputs.sha256 #h(1fr) #counter(page).display("1 / 1", both: true)
])
#set text(size: 9.5pt, lang: "nl")
#text(17pt, weight: "bold")[Vernietigingsverklaring eigen relaties]
#linebreak() #text(10pt)[#c.certificate_id]

#table(columns: (auto, 1fr), stroke: none, inset: 3pt,
  [*Verwerkingsverantwoordelijke*], [#c.controller],
  [*Datum van afgifte*], [#c.issued_at],
  [*Gegevenscategorie*], [#nl.record_class],
  [*Grond*], [#nl.reason],
  [*Wijze*], [#c.method],
  [*Bewaard*], [#c.kept],
  [*Uitgevoerd door*], [#c.performed_by],
  [*Aantal*], [#c.deleted.len()],
  [*Ondertekening*], [Digitaal ondertekend (PAdES); de ingesloten JSON is de verklaring zelf.],
)

== Verwijderd
#set text(size: 8pt)
#table(columns: (auto, auto, 1fr), inset: 3pt,
  table.header([*Soort*], [*Nummer*], [*Bijzonderheden*]),
  ..nl.items.map(d => ([#d.kind], [#d.id], [#d.details])).flatten()
)
"""


def _details(item: dict) -> str:
    skip = {"object", "id"}
    return "; ".join(f"{k}: {v}" for k, v in sorted(item.items()) if k not in skip)


def render_crm_certificate_pdf(cert: CrmCertificate) -> bytes:
    """The certificate as a PDF signed by the house, carrying its JSON (in memory only)."""
    import typst  # deferred: a heavy import


    body = json.loads(cert.body)
    nl = {
        "record_class": _CLASS_NL.get(cert.record_class, cert.record_class),
        "reason": _REASON_NL.get(cert.reason, cert.reason),
        "items": [{"kind": _OBJECT_NL.get(i.get("object", ""), i.get("object", "")), "id": str(i.get("id", "")),
                   "details": _details(i)} for i in body.get("deleted", [])],
    }
    pdf = typst.compile(_TYPST.encode("utf-8"), format="pdf", sys_inputs={
        "cert": cert.body, "sha256": cert.sha256, "nl": json.dumps(nl, ensure_ascii=False),
    })
    return sign_pdf(pdf, reason=f"Vernietigingsverklaring {cert.id}")


def verify_crm_certificate_pdf(raw: bytes, *, source: str = "the certificate") -> dict:
    """Check a CRM certificate PDF: the house's signature over the whole file, then that its embedded JSON
    is the one whose hash the audit log recorded at issue. Raises CertificateInvalid naming the problem."""
    import pikepdf  # deferred: a heavy import


    try:
        check_pdf_signature(raw, source=source)
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
    digest = hashlib.sha256(body).hexdigest()
    cert_id = str(json.loads(body).get("certificate_id", ""))
    event = next((e for e in AuditEvent.objects.filter(action=EventType.CRM_CERTIFICATE_ISSUED, object_id=cert_id)
                  if json.loads(e.details).get("sha256") == digest), None)
    if event is None:
        raise CertificateInvalid(f"{source}: certificate {cert_id} is unknown to the audit log or was altered")
    if chain.link(event.prev_hash, event.chain_values()) != event.hash:
        raise CertificateInvalid(f"{source}: the audit event #{event.seq} recording it was changed after writing")
    return {"certificate_id": cert_id, "sha256": digest, "audit_seq": event.seq}
