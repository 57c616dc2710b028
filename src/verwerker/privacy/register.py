"""The processor's record of processing activities (GDPR Art. 30(2)), generated from the system's data.

Always current: nothing here is stored; each export is built from clients, their agreements, the
subprocessors they allow, the data categories actually seen in their files, and the security measures
the system itself enforces. Exported as CSV and PDF.
"""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from verwerker.clients.models import AgreementStatus, Client
from verwerker.datafiles.kinds import label as kind_label
from verwerker.lib.spreadsheet import csv_writer
from verwerker.privacy.sources import CATEGORY_SOURCES

# The general description of technical and organisational measures (Art. 30(2)(d), Art. 32(1)) that this
# system enforces by construction. Organisational measures outside the system belong in the house's ISMS.
SECURITY_MEASURES = [
    _(
        "Client data files are encrypted on arrival (AES-256-GCM, STREAM construction, one random data key per file, "
        "wrapped by a master key); plaintext is never written to disk."
    ),
    _(
        "Files are deleted right after processing by destroying their keys (cryptographic erase, NIST SP 800-88) and "
        "at the latest after the agreement's maximum retention; each deletion is certified."
    ),
    _("The vault is excluded from backups; copies of deleted files are unreadable."),
    _("Per-client SFTP environments with one-time credentials or keys, brute-force bans, no shell or forwarding."),
    _("Role-based access with need-to-know permissions; tenant isolation of client users."),
    _("Passwords of at least 12 characters (Argon2), second factor for staff, lockout after repeated failures."),
    _("Tamper-evident, hash-chained audit log of every action, verified daily."),
    _(
        "Automatic classification of files (standard/high risk); extra approval for high-risk jobs; minors and BSN gated."  # noqa: E501
    ),
    _("Subprocessors only when named in the client's agreement and established in the EU/EEA."),
    _("Breach register with a notification clock per client."),
]



def rows() -> list[dict]:
    """One row per client (controller) with an agreement, as Art. 30(2)(a)-(d) asks."""

    out = []
    clients = Client.objects.prefetch_related("contacts", "agreements__subprocessors").order_by("name")
    for client in clients:
        agreements = [a for a in client.agreements.all() if a.status != AgreementStatus.DRAFT]
        if not agreements:
            continue
        contacts = [c for c in client.contacts.all() if c.is_designated]
        subprocessors = sorted({f"{s.name} ({s.country})" for a in agreements for s in a.subprocessors.all()})
        seen = sorted({kind_label(kind) for source in CATEGORY_SOURCES for kind in source(client.pk)})
        current = next((a for a in agreements if a.status == AgreementStatus.ACTIVE), agreements[0])
        out.append(
            {
                "controller": client.name,
                "controller_contact": "; ".join(f"{c.name} <{c.email}>".strip() for c in contacts),
                "agreements": "; ".join(
                    f"{a.reference} ({a.get_status_display()}, {a.starts_on}–{a.ends_on or '…'})" for a in agreements
                ),
                "processing": f"{current.subject}: {current.nature_and_purpose}",
                "data_types_agreed": current.data_types,
                "data_categories_seen": ", ".join(seen) or "—",
                "data_subjects": current.data_subject_categories,
                "subprocessors": ", ".join(subprocessors) or "—",
                "transfers_outside_eea": str(_("none (refused by the system, P22)")),
                "max_retention_days": current.max_retention_days,
            }
        )
    return out


def header() -> dict:
    return {
        "processor": settings.HOUSE_NAME,
        "processor_address": settings.HOUSE_ADDRESS,
        "contact": settings.PRIVACY_CONTACT,
        "generated_at": timezone.localtime().strftime("%d-%m-%Y %H:%M"),
        "security_measures": [str(m) for m in SECURITY_MEASURES],
    }


# The CSV's column headers as a person reads them (the keys stay codes in rows()).
HEADERS = {
    "controller": _("controller"),
    "controller_contact": _("contact of the controller"),
    "agreements": _("agreements"),
    "processing": _("processing"),
    "data_types_agreed": _("data agreed"),
    "data_categories_seen": _("data seen in files"),
    "data_subjects": _("data subjects"),
    "subprocessors": _("subprocessors"),
    "transfers_outside_eea": _("transfers outside the EU/EEA"),
    "max_retention_days": _("maximum retention (days)"),
}


def export_csv() -> str:
    out = io.StringIO()
    data = rows()
    fields = list(data[0]) if data else ["controller"]
    writer = csv_writer(out)
    writer.writerow([str(HEADERS.get(f, f)) for f in fields])
    writer.writerows([row.get(f, "") for f in fields] for row in data)
    return out.getvalue()


# The PDF's own words, in the reader's language (the template holds none).
def labels() -> dict:
    return {
        "lang": (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0],
        "title": gettext("Record of processing (Art. 30(2) GDPR)"),
        "heading": gettext("Record of processing activities of the processor"),
        "article": gettext("Article 30(2) GDPR"),
        "contact": gettext("contact/DPO:"),
        "generated": gettext("generated"),
        "controller": gettext("Controller (a)"),
        "agreement": gettext("Agreement"),
        "processing": gettext("Categories of processing (b)"),
        "data": gettext("Data (agreed / seen)"),
        "seen": gettext("seen:"),
        "subjects": gettext("Data subjects"),
        "subprocessors": gettext("Subprocessors; transfers (c)"),
        "retention": gettext("Retention"),
        "days": gettext("days"),
        "measures": gettext("General description of the technical and organisational measures (d)"),
    }


_TYPST = r"""
#let r = json(bytes(sys.inputs.register))
#let l = r.labels
#set document(title: l.title)
#set page(paper: "a4", flipped: true, margin: 1.5cm)
#set text(size: 8pt, lang: l.lang)
#text(15pt, weight: "bold")[#l.heading]
#linebreak() #l.article · #r.header.processor · #r.header.processor_address · #l.contact #r.header.contact · #l.generated #r.header.generated_at

#table(columns: (auto, auto, 1fr, auto, auto, auto, auto), inset: 3pt,
  table.header([*#l.controller*], [*#l.agreement*], [*#l.processing*], [*#l.data*], [*#l.subjects*], [*#l.subprocessors*], [*#l.retention*]),
  ..r.rows.map(x => (
    [#x.controller \ #text(7pt)[#x.controller_contact]], [#x.agreements], [#x.processing],
    [#x.data_types_agreed \ #text(7pt)[#l.seen #x.data_categories_seen]], [#x.data_subjects],
    [#x.subprocessors; #x.transfers_outside_eea], [#x.max_retention_days #l.days],
  )).flatten()
)

#heading(level: 2)[#l.measures]
#for m in r.header.security_measures [- #m
]
"""  # noqa: E501


def export_pdf() -> bytes:
    import typst  # deferred: a heavy import

    document = json.dumps({"header": header(), "rows": rows(), "labels": labels()}, ensure_ascii=False)
    return typst.compile(_TYPST.encode("utf-8"), format="pdf", sys_inputs={"register": document})
