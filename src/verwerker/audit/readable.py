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
from django.utils.translation import gettext_lazy as _l

from verwerker.accounts.models import User
from verwerker.audit.events import ActorType, EventType
from verwerker.audit.models import AuditEvent
from verwerker.clients.models import Agreement, Client, Subprocessor
from verwerker.datafiles.models import DataFile, Risk
from verwerker.intake.models import SftpAccount, Upload, UploadChannel
from verwerker.privacy.models import Breach, DataSubjectRequest
from verwerker.production.models import Job, PrintStation
from verwerker.production.workflow import JobState
from verwerker.retention.models import DeletionCertificate
from verwerker.vault.models import Blob, ReadPurpose

E = EventType

# One sentence per action a person meets daily; %(key)s takes the detail of that name (formatted by
# _value). An action without a sentence shows its label.
SENTENCES: dict[int, Any] = {
    E.UPLOAD_STARTED: _l("Upload started via %(channel)s"),
    E.UPLOAD_COMPLETED: _l("File received via %(channel)s (%(size)s)"),
    E.UPLOAD_ABORTED: _l("Upload via %(channel)s broken off (%(reason)s)"),
    E.UPLOAD_REFUSED: _l("Upload via %(channel)s refused: %(reason)s"),
    E.UPLOAD_RECEIVED: _l("Upload recorded as received"),
    E.UPLOAD_ABANDONED: _l("Abandoned upload cleared away"),
    E.DATAFILE_REGISTERED: _l("Data file registered under agreement %(agreement)s"),
    E.DATAFILE_PROFILED: _l("File profiled: %(rows)s records in %(columns)s columns, risk %(risk)s"),
    E.DATAFILE_UNREADABLE: _l("File could not be read: %(reason)s"),
    E.DATAFILE_REFUSED: _l("File refused: %(reason)s"),
    E.DATAFILE_KIND_OVERRIDDEN: _l("Column %(column_index)s changed from %(was)s to %(now)s"),
    E.DATAFILE_PURGED: _l("File content deleted"),
    E.DATAFILE_REDUCED: _l("Profile and mappings reduced to what holds no values"),
    E.DATAFILE_REWRITTEN: _l("File rewritten: %(dropped)s records removed, %(changed)s corrected"),
    E.BLOB_STORED: _l("Stored encrypted in the vault (%(size)s)"),
    E.BLOB_READ: _l("Read from the vault for %(purpose)s"),
    E.BLOB_SHREDDED: _l("Destroyed in the vault (key shredded)"),
    E.JOB_DRAFTED: _l("Job drafted (risk %(risk)s)"),
    E.JOB_CHANGED: _l("Job draft changed: %(changed)s"),
    E.JOB_APPROVED: _l("Job approved by a second person"),
    E.JOB_MEASURES_CONFIRMED: _l("High-risk measures ticked off"),
    E.JOB_RELEASED: _l("Job released for production"),
    E.JOB_PRODUCTION_STARTED: _l("Production started"),
    E.JOB_PART_RENDERED: _l("Part %(part)s rendered: %(records)s records, %(pages)s pages"),
    E.JOB_PRODUCED: _l("Production finished"),
    E.JOB_PRODUCTION_FAILED: _l("Production failed: %(error)s"),
    E.JOB_PRODUCTION_RETRIED: _l("Production tried again"),
    E.JOB_PROOF_APPROVED: _l("Proof approved by the client"),
    E.JOB_PROOF_REJECTED: _l("Proof rejected"),
    E.JOB_DELIVERED: _l("Delivered to %(target)s"),
    E.JOB_REPRINT_DELIVERED: _l("Reprint delivered"),
    E.JOB_CONFIRMED: _l("Printing or production confirmed"),
    E.JOB_PURGED: _l("Job data destroyed (%(blobs)s files)"),
    E.JOB_CERTIFIED: _l("Deletion certified"),
    E.JOB_CANCELLED: _l("Job cancelled"),
    E.JOB_STOPPED: _l("Job stopped: its agreement ended"),
    E.JOB_TRANSITION_REFUSED: _l("Step %(step)s refused: %(reason)s"),
    E.CERTIFICATE_ISSUED: _l("Deletion certificate issued for %(objects)s files"),
    E.LOGIN_SUCCEEDED: _l("Logged in"),
    E.LOGIN_FAILED: _l("Login failed"),
    E.LOGOUT: _l("Logged out"),
    E.SFTP_LOGIN_SUCCEEDED: _l("SFTP login with %(method)s"),
    E.OUTBOX_FILE_ADDED: _l("File put in the outbox (%(size)s)"),
    E.OUTBOX_DOWNLOADED: _l("File downloaded from the outbox (%(size)s)"),
    E.AUDIT_EXPORTED: _l("Audit trail exported as %(format)s"),
}

# Names of detail keys, for the details a sentence does not name.
KEY_NAMES: dict[str, Any] = {
    "size": _l("size"), "reason": _l("reason"), "channel": _l("channel"), "rows": _l("records"),
    "columns": _l("columns"), "risk": _l("risk"), "minors": _l("minors"), "special": _l("special categories"),
    "agreement": _l("agreement"), "upload": _l("upload"), "blob": _l("vault file"), "purpose": _l("purpose"),
    "step": _l("step"), "to": _l("to"), "from": _l("from"), "attempt": _l("attempt"), "part": _l("part"),
    "records": _l("records"), "pages": _l("pages"), "target": _l("to"), "files": _l("files"),
    "certificate": _l("certificate"), "subprocessor": _l("subprocessor"), "code": _l("gate"),
    "data_file": _l("data file"), "template": _l("template"), "dedupe": _l("deduplication"), "bsn": _l("BSN"),
    "changed": _l("changed"), "extension": _l("extension"), "sha256": "SHA-256", "objects": _l("files"),
    "method": _l("method"), "name": _l("name"), "format": _l("format"), "error": _l("error"),
}

_NOT_SHOWN = {"blob_purpose", "host_key"}


def _labels(choices) -> dict[str, str]:
    return {str(value): str(label) for value, label in choices}


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
    if key == "purpose":
        return _labels(ReadPurpose.choices).get(str(value), str(value))
    if key in ("to", "from", "state"):
        return _labels(JobState.choices).get(str(value), str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(key, v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_value(k, v)}" for k, v in value.items())
    return str(value)


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
        return {str(obj.pk): ObjectLink(label(obj), url(obj) if url else "") for obj in model.objects.filter(pk__in=keys)}

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
        DeletionCertificate, lambda c: _("Deletion certificate of %(date)s") % {"date": date_format(localtime(c.issued_at), "d-m-Y")},
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
            client = ObjectLink(name, reverse("clients:detail", args=[e.client_id])) if name else ObjectLink(str(e.client_id))
        obj = links.get((e.object_type, str(e.object_id))) if e.object_type and e.object_id else None
        rows.append(ReadableEvent(e, text, rest, obj, client))
    return rows
