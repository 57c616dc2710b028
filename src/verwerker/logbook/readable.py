"""The audit log in words: a sentence per event, its object as a link, its client by name.

The log stores codes and ids (events.py, models.py) so that it outlives what it describes and holds no
personal data; this module turns a page of events into what a person reads, in the active language,
at the moment of reading. It reads other apps' tables (names of jobs, files, clients), which is why it
is separate from the log's own modules: nothing that writes the log imports it.

Details are shown with the keys a sentence names; the rest of the details stay available as
"key: value" words under the sentence. Nothing here changes what is stored or hashed.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verwerker.accounts.models import User
from verwerker.audit.events import ActorType, EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.models import Agreement, Client, Subprocessor
from verwerker.datafiles.models import DataFile, Risk
from verwerker.datafiles.texts import reason_text
from verwerker.intake.models import SftpAccount, Upload, UploadChannel, upload_reason_label
from verwerker.privacy.models import Breach, DataSubjectRequest, PentestFinding
from verwerker.production.models import Dedupe, Job, PrintStation
from verwerker.production.workflow import JobState
from verwerker.retention.models import DeletionCertificate
from verwerker.vault.models import Blob, BlobPurpose, ReadPurpose

E = EventType

# One sentence per action a person meets daily; %(key)s takes the detail of that name (formatted by
# _value). An action without a sentence shows its label.
SENTENCES: dict[int, Any] = {
    E.UPLOAD_STARTED: gettext_lazy("Upload started via %(channel)s"),
    E.UPLOAD_COMPLETED: gettext_lazy("File received via %(channel)s (%(size)s)"),
    E.UPLOAD_ABORTED: gettext_lazy("Upload via %(channel)s broken off (%(reason)s)"),
    E.UPLOAD_REFUSED: gettext_lazy("Upload via %(channel)s refused: %(reason)s"),
    E.UPLOAD_RECEIVED: gettext_lazy("Upload recorded as received"),
    E.UPLOAD_ABANDONED: gettext_lazy("Abandoned upload cleared away"),
    E.DATAFILE_REGISTERED: gettext_lazy("Data file registered under agreement %(agreement)s"),
    E.DATAFILE_PROFILED: gettext_lazy("File profiled: %(rows)s records in %(columns)s columns, risk %(risk)s"),
    E.DATAFILE_UNREADABLE: gettext_lazy("File could not be read: %(reason)s"),
    E.DATAFILE_REFUSED: gettext_lazy("File refused: %(reason)s"),
    E.DATAFILE_KIND_OVERRIDDEN: gettext_lazy("Column %(column_index)s changed from %(was)s to %(now)s"),
    E.DATAFILE_PURGED: gettext_lazy("File content deleted"),
    E.DATAFILE_REDUCED: gettext_lazy("Profile and mappings reduced to what holds no values"),
    E.DATAFILE_REWRITTEN: gettext_lazy("File rewritten: %(dropped)s records removed, %(changed)s corrected"),
    E.BLOB_STORED: gettext_lazy("Stored encrypted in the vault (%(size)s)"),
    E.BLOB_READ: gettext_lazy("Read from the vault for %(purpose)s"),
    E.BLOB_SHREDDED: gettext_lazy("Destroyed in the vault (key shredded)"),
    E.JOB_DRAFTED: gettext_lazy("Job drafted (risk %(risk)s)"),
    E.JOB_CHANGED: gettext_lazy("Job draft changed: %(changed)s"),
    E.JOB_APPROVED: gettext_lazy("Job approved by a second person"),
    E.JOB_MEASURES_CONFIRMED: gettext_lazy("High-risk measures ticked off"),
    E.JOB_RELEASED: gettext_lazy("Job released for production"),
    E.JOB_PRODUCTION_STARTED: gettext_lazy("Production started"),
    E.JOB_PART_RENDERED: gettext_lazy("Part %(part)s rendered: %(records)s records, %(pages)s pages"),
    E.JOB_PRODUCED: gettext_lazy("Production finished"),
    E.JOB_PRODUCTION_FAILED: gettext_lazy("Production failed: %(error)s"),
    E.JOB_PRODUCTION_RETRIED: gettext_lazy("Production tried again"),
    E.JOB_PROOF_APPROVED: gettext_lazy("Proof approved by the client"),
    E.JOB_PROOF_REJECTED: gettext_lazy("Proof rejected"),
    E.JOB_DELIVERED: gettext_lazy("Delivered to %(target)s"),
    E.JOB_REPRINT_DELIVERED: gettext_lazy("Reprint delivered"),
    E.JOB_CONFIRMED: gettext_lazy("Printing or production confirmed"),
    E.JOB_PURGED: gettext_lazy("Job data destroyed (%(blobs)s files)"),
    E.JOB_CERTIFIED: gettext_lazy("Deletion certified"),
    E.JOB_CANCELLED: gettext_lazy("Job cancelled"),
    E.JOB_STOPPED: gettext_lazy("Job stopped: its agreement ended"),
    E.JOB_TRANSITION_REFUSED: gettext_lazy("Step %(step)s refused: %(reason)s"),
    E.CERTIFICATE_ISSUED: gettext_lazy("Deletion certificate issued for %(objects)s files"),
    E.LOGIN_SUCCEEDED: gettext_lazy("Logged in"),
    E.LOGIN_FAILED: gettext_lazy("Login failed"),
    E.LOGOUT: gettext_lazy("Logged out"),
    E.SFTP_LOGIN_SUCCEEDED: gettext_lazy("SFTP login with %(method)s"),
    E.OUTBOX_FILE_ADDED: gettext_lazy("File put in the outbox (%(size)s)"),
    E.OUTBOX_DOWNLOADED: gettext_lazy("File downloaded from the outbox (%(size)s)"),
    E.AUDIT_EXPORTED: gettext_lazy("Audit trail exported as %(format)s"),
}

# Names of detail keys, for the details a sentence does not name.
KEY_NAMES: dict[str, Any] = {
    "size": gettext_lazy("size"),
    "reason": gettext_lazy("reason"),
    "channel": gettext_lazy("channel"),
    "rows": gettext_lazy("records"),
    "columns": gettext_lazy("columns"),
    "risk": gettext_lazy("risk"),
    "minors": gettext_lazy("minors"),
    "special": gettext_lazy("special categories"),
    "agreement": gettext_lazy("agreement"),
    "upload": gettext_lazy("upload"),
    "blob": gettext_lazy("vault file"),
    "purpose": gettext_lazy("purpose"),
    "from": gettext_lazy("previous state"),
    "attempt": gettext_lazy("attempt"),
    "part": gettext_lazy("part"),
    "records": gettext_lazy("records"),
    "pages": gettext_lazy("pages"),
    "target": gettext_lazy("delivered to"),
    "files": gettext_lazy("files"),
    "certificate": gettext_lazy("certificate"),
    "subprocessor": gettext_lazy("subprocessor"),
    "code": gettext_lazy("gate"),
    "data_file": gettext_lazy("data file"),
    "template": gettext_lazy("template"),
    "dedupe": gettext_lazy("deduplication"),
    "bsn": gettext_lazy("BSN"),
    "changed": gettext_lazy("changed"),
    "extension": gettext_lazy("extension"),
    "sha256": "SHA-256",
    "objects": gettext_lazy("files"),
    "method": gettext_lazy("method"),
    "name": gettext_lazy("name"),
    "format": gettext_lazy("format"),
    "error": gettext_lazy("error"),
    "expected": gettext_lazy("expected"),
    "pieces": gettext_lazy("pieces"),
    "reprints": gettext_lazy("reprints"),
    "records_in": gettext_lazy("records in"),
    "records_out": gettext_lazy("records out"),
    "rejects": gettext_lazy("rejects"),
    "parts": gettext_lazy("parts"),
    "high_risk_allowed": gettext_lazy("high risk allowed"),
    "subprocessors": gettext_lazy("subprocessors"),
    "supersedes": gettext_lazy("supersedes"),
    "version": gettext_lazy("version"),
    "kinds": gettext_lazy("kinds"),
    "severity": gettext_lazy("severity"),
    "status": gettext_lazy("status"),
    "performed_on": gettext_lazy("performed on"),
    "clients": gettext_lazy("clients"),
    "discovered_at": gettext_lazy("discovered at"),
    "keys": gettext_lazy("keys"),
    "password": gettext_lazy("password"),
    "reissued": gettext_lazy("reissued"),
    "reference": gettext_lazy("reference"),
}

# Codes the sentence already says in words (the step and the state it led to), and keys for machines.
_NOT_SHOWN = {"blob_purpose", "host_key", "step", "to"}


def _labels(choices) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices}


# A penetration test finding's severity and status, by their codes.
_FINDING_LABELS: dict[str, Any] = {
    str(code): label
    for name in ("severity", "status")
    for code, label in (getattr(PentestFinding._meta.get_field(name), "choices", None) or [])
}


def _value(key: str, value: Any) -> str:
    """One detail as a person reads it: sizes in bytes as kB/MB, codes as their labels."""
    if value is None or value == "":
        return "—"
    if key == "size" and isinstance(value, int):
        return str(filesizeformat(value))
    if key == "channel":
        return _labels(UploadChannel.choices).get(str(value), str(value))
    if key == "risk":
        return _labels(Risk.choices).get(str(value), str(value))
    if key == "dedupe":
        return _labels(Dedupe.choices).get(str(value), str(value))
    if key == "purpose":  # a read's purpose, or a stored blob's
        return {**_labels(BlobPurpose.choices), **_labels(ReadPurpose.choices)}.get(str(value), str(value))
    if key in ("severity", "status") and str(value) in _FINDING_LABELS:
        return str(_FINDING_LABELS[str(value)])
    if key == "target" and str(value).startswith("print station "):
        return _("print station «%(name)s»") % {"name": station_name(str(value))}
    if key in ("to", "from", "state"):
        return _labels(JobState.choices).get(str(value), str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v)}" for k, v in value.items())
    return str(value)


def station_name(target: str) -> str:
    """The print station a delivery target names: "print station 3" (its id) or "print station Pers 1"."""
    rest = target.removeprefix("print station ")
    if rest.isdigit() and len(rest) < 19:
        return PrintStation.objects.filter(pk=rest).values_list("name", flat=True).first() or rest
    return rest


class _Details(dict):
    """The format mapping of a sentence: a missing detail reads as a dash, never a KeyError."""

    def __missing__(self, key: str) -> str:
        return "—"


def details_of(event: AuditEvent) -> dict[str, Any]:
    try:
        details = json.loads(event.details or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


def sentence(event: AuditEvent, details: dict[str, Any] | None = None) -> tuple[str, list[tuple[str, str]]]:
    """The event in words, and the details the sentence does not name as (name, value) pairs."""
    details = details_of(event) if details is None else details
    if "channel" not in details and event.action in (E.UPLOAD_COMPLETED, E.UPLOAD_STARTED):
        details = {**details, "channel": "sftp" if event.actor_type == ActorType.SFTP else "web"}
    if event.action in (E.DATAFILE_UNREADABLE, E.DATAFILE_REFUSED) and isinstance(details.get("reason"), str):
        details = {**details, "reason": reason_text(details["reason"])}  # stored in English
    if event.action in (E.UPLOAD_ABORTED, E.UPLOAD_REFUSED) and isinstance(details.get("reason"), str):
        details = {**details, "reason": upload_reason_label(details["reason"])}  # stored as a code
    template = SENTENCES.get(event.action)
    if template is None:
        text, used = event.get_action_display(), set()
        text = text[:1].upper() + text[1:]
    else:
        template = str(template)
        used = {k for k in details if f"%({k})s" in template}
        text = template % _Details({k: _value(k, v) for k, v in details.items()})
    rest = [(str(KEY_NAMES.get(k, k.replace("_", " "))), _value(k, v)) for k, v in details.items()
            if k not in used and k not in _NOT_SHOWN]
    return text, rest


@dataclass
class ObjectLink:
    label: str
    url: str = ""


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _bulk(model, label, url=None):
    """A resolver: ids (text) to {id: ObjectLink}, in one query; ids of the wrong form are left out."""
    numeric = model not in (Blob, DeletionCertificate)

    def resolve(ids: set[str]) -> dict[str, ObjectLink]:
        keys = [i for i in ids if (i.isdigit() and len(i) < 19 if numeric else _is_uuid(i))]
        found = model.objects.filter(pk__in=keys)
        return {str(obj.pk): ObjectLink(label(obj), url(obj) if url else "") for obj in found}

    return resolve


def _blobs(ids: set[str]) -> dict[str, ObjectLink]:
    """Vault files by their name; a data file's blob links to the data file's page."""
    keys = [i for i in ids if _is_uuid(i)]
    files = dict(DataFile.objects.filter(blob_id__in=keys).values_list("blob_id", "pk"))
    links = {}
    for blob in Blob.objects.filter(pk__in=keys).only("pk", "name"):
        file_id = files.get(blob.pk)
        links[str(blob.pk)] = ObjectLink(_("Vault file «%(name)s»") % {"name": blob.name or str(blob.pk)[:8]},
                                         reverse("production:data_file", args=[file_id]) if file_id else "")
    return links


RESOLVERS: dict[str, Any] = {
    "production.job": _bulk(Job, lambda j: _("Job «%(name)s»") % {"name": j.name},
                            lambda j: reverse("production:job", args=[j.pk])),
    "datafiles.datafile": _bulk(DataFile, lambda f: _("File «%(name)s»") % {"name": f.name},
                                lambda f: reverse("production:data_file", args=[f.pk])),
    "intake.upload": _bulk(Upload, lambda u: _("Upload «%(name)s»") % {"name": u.name},
                           lambda u: reverse("intake:upload", args=[u.pk])),
    "vault.blob": _blobs,
    "clients.client": _bulk(Client, lambda c: _("Client «%(name)s»") % {"name": c.name},
                            lambda c: reverse("clients:detail", args=[c.pk])),
    "clients.agreement": _bulk(Agreement, lambda a: _("Agreement %(ref)s") % {"ref": a.reference},
                               lambda a: reverse("clients:agreement", args=[a.pk])),
    "clients.subprocessor": _bulk(Subprocessor, lambda s: _("Subprocessor «%(name)s»") % {"name": s.name},
                                  lambda s: reverse("clients:subprocessors")),
    "accounts.user": _bulk(User, lambda u: _("Account %(name)s") % {"name": u.username},
                           lambda u: reverse("accounts:person", args=[u.pk])),
    "intake.sftpaccount": _bulk(SftpAccount, lambda a: _("SFTP account %(name)s") % {"name": a.username},
                                lambda a: reverse("clients:detail", args=[a.client_id]) + "#sftp"),
    "privacy.breach": _bulk(Breach, lambda b: _("Breach %(ref)s") % {"ref": b.reference},
                            lambda b: reverse("privacy:breach", args=[b.pk])),
    "privacy.datasubjectrequest": _bulk(DataSubjectRequest, lambda r: _("Request %(ref)s") % {"ref": r.reference},
                                        lambda r: reverse("privacy:request", args=[r.pk])),
    "retention.deletioncertificate": _bulk(
        DeletionCertificate,
        lambda c: _("Deletion certificate of %(date)s") % {"date": date_format(localtime(c.issued_at), "d-m-Y")},
        lambda c: reverse("retention:certificate", args=[c.pk])),
    "production.printstation": _bulk(PrintStation, lambda s: _("Print station «%(name)s»") % {"name": s.name},
                                     lambda s: reverse("production:stations")),
}


@dataclass
class ReadableEvent:
    event: AuditEvent
    text: str
    rest: list[tuple[str, str]] = field(default_factory=list)
    object: ObjectLink | None = None
    client: ObjectLink | None = None


def readable(events: Iterable[AuditEvent]) -> list[ReadableEvent]:
    """A page of events in words, with their objects and clients looked up in one query per type."""
    events = list(events)
    wanted: dict[str, set[str]] = defaultdict(set)
    for e in events:
        if e.object_type and e.object_id:
            wanted[e.object_type].add(str(e.object_id))
    links: dict[tuple[str, str], ObjectLink] = {}
    for object_type, ids in wanted.items():
        resolve = RESOLVERS.get(object_type)
        found = resolve(ids) if resolve else {}
        for object_id in ids:
            links[(object_type, object_id)] = found.get(object_id) or ObjectLink(f"{object_type} {object_id}")
    clients = {c.pk: c.name for c in Client.objects.filter(pk__in={e.client_id for e in events if e.client_id})}
    rows = []
    for e in events:
        text, rest = sentence(e)
        client = None
        if e.client_id:
            name = clients.get(e.client_id)
            url = reverse("clients:detail", args=[e.client_id]) if name else ""
            client = ObjectLink(name or str(e.client_id), url)
        obj = links.get((e.object_type, str(e.object_id))) if e.object_type and e.object_id else None
        rows.append(ReadableEvent(e, text, rest, obj, client))
    return rows
