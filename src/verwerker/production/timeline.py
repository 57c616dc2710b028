"""The life of a data file or a job on one line: from received to certified, built from the audit log.

Each step is one audit event, or a run of the same repeated event (rendering part after part, reading
the file once per part) collapsed into one step with a count. A step says who, when, what in words
(audit/readable.py), which gate, where it was delivered and which certificate ended it, and keeps the
sequence numbers of its events so the page can link to them in the log.

The events are found by the objects they name: the upload the file arrived as, the data file, its
vault blob, the jobs made from it, and their deletion certificates. Bounded: at most MAX_EVENTS events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from verwerker.audit.events import EventType, Outcome
from verwerker.audit.models import AuditEvent
from verwerker.clients.models import Subprocessor
from verwerker.datafiles.models import DataFile
from verwerker.intake.models import Upload
from verwerker.logbook.readable import ObjectLink, details_of, sentence, station_name
from verwerker.production.models import Job
from verwerker.retention.models import DeletionCertificateItem

MAX_EVENTS = 2000
E = EventType

# (phase, title) per event: the phase gives the dot its colour, the title is the step's heading.
STEPS: dict[int, tuple[str, Any]] = {
    E.UPLOAD_STARTED: ("received", gettext_lazy("Upload started")),
    E.UPLOAD_COMPLETED: ("received", gettext_lazy("Received")),
    E.UPLOAD_RECEIVED: ("received", gettext_lazy("Handed to profiling")),
    E.UPLOAD_REFUSED: ("failed", gettext_lazy("Refused")),
    E.UPLOAD_ABORTED: ("failed", gettext_lazy("Upload broken off")),
    E.DATAFILE_REGISTERED: ("received", gettext_lazy("Registered")),
    E.DATAFILE_REFUSED: ("failed", gettext_lazy("Refused")),
    E.DATAFILE_PROFILED: ("profiled", gettext_lazy("Profiled")),
    E.DATAFILE_UNREADABLE: ("failed", gettext_lazy("Unreadable")),
    E.DATAFILE_KIND_OVERRIDDEN: ("profiled", gettext_lazy("Column kind set")),
    E.DATAFILE_REWRITTEN: ("profiled", gettext_lazy("Rewritten on request")),
    E.DATAFILE_PURGED: ("destroyed", gettext_lazy("Content deleted")),
    E.DATAFILE_REDUCED: ("destroyed", gettext_lazy("Profile reduced")),
    E.BLOB_STORED: ("received", gettext_lazy("Stored encrypted")),
    E.BLOB_READ: ("read", gettext_lazy("Read")),
    E.BLOB_SHREDDED: ("destroyed", gettext_lazy("Destroyed")),
    E.JOB_DRAFTED: ("drafted", gettext_lazy("Job drafted")),
    E.JOB_CHANGED: ("drafted", gettext_lazy("Draft changed")),
    E.JOB_COLUMN_DROPPED: ("gate", gettext_lazy("Gate: column dropped")),
    E.JOB_MEASURES_CONFIRMED: ("gate", gettext_lazy("Gate: measures")),
    E.JOB_APPROVED: ("gate", gettext_lazy("Gate: second person")),
    E.JOB_CONSENT_RECORDED: ("gate", gettext_lazy("Gate: parental consent")),
    E.JOB_LEGAL_BASIS_RECORDED: ("gate", gettext_lazy("Gate: legal basis for the BSN")),
    E.JOB_TRANSITION_REFUSED: ("failed", gettext_lazy("Step refused")),
    E.JOB_RELEASED: ("released", gettext_lazy("Released")),
    E.JOB_PRODUCTION_STARTED: ("produced", gettext_lazy("Production started")),
    E.JOB_PART_RENDERED: ("produced", gettext_lazy("Parts rendered")),
    E.JOB_PRODUCED: ("produced", gettext_lazy("Produced")),
    E.JOB_PRODUCTION_FAILED: ("failed", gettext_lazy("Production failed")),
    E.JOB_PRODUCTION_RETRIED: ("produced", gettext_lazy("Production tried again")),
    E.JOB_PRODUCTION_RESUMED: ("produced", gettext_lazy("Production resumed")),
    E.JOB_PROOF_APPROVED: ("proof", gettext_lazy("Proof approved")),
    E.JOB_PROOF_REJECTED: ("failed", gettext_lazy("Proof rejected")),
    E.JOB_DELIVERED: ("delivered", gettext_lazy("Delivered")),
    E.JOB_SPOILAGE_RECORDED: ("delivered", gettext_lazy("Spoilage recorded")),
    E.JOB_REPRINT_DELIVERED: ("delivered", gettext_lazy("Reprint delivered")),
    E.JOB_CONFIRMED: ("confirmed", gettext_lazy("Printed")),
    E.JOB_PURGED: ("destroyed", gettext_lazy("Data destroyed")),
    E.JOB_CERTIFIED: ("certified", gettext_lazy("Certified")),
    E.JOB_CANCELLED: ("failed", gettext_lazy("Cancelled")),
    E.JOB_STOPPED: ("failed", gettext_lazy("Stopped")),
    E.JOB_SENT_BACK_TO_PRODUCTION: ("produced", gettext_lazy("Sent back to production")),
    E.JOB_FLAGGED_DELIVERED_BEFORE_REWRITE: ("failed", gettext_lazy("Rewritten after delivery")),
    E.CERTIFICATE_ISSUED: ("certified", gettext_lazy("Certificate issued")),
}

# Repeated many times in one run (once per part, once per read): one step with a count.
REPEATING = {E.JOB_PART_RENDERED, E.BLOB_READ, E.BLOB_SHREDDED, E.BLOB_STORED}

# Gate codes (production/workflow.py) in words.
GATES: dict[str, Any] = {
    "measures": gettext_lazy("extra measures"),
    "approval": gettext_lazy("second person"),
    "minors": gettext_lazy("parental consent"),
    "bsn": gettext_lazy("BSN"),
    "agreement": gettext_lazy("agreement in force"),
    "confirm": gettext_lazy("confirmation"),
}


@dataclass
class Step:
    phase: str
    title: str
    when: dt.datetime
    who: str
    text: str
    outcome: str
    object_type: str
    object_id: str
    seqs: list[int] = field(default_factory=list)
    links: list[ObjectLink] = field(default_factory=list)
    gate: str = ""
    until: dt.datetime | None = None

    @property
    def count(self) -> int:
        return len(self.seqs)

    def audit_url(self) -> str:
        """The log, narrowed to this step's object, at its first event."""
        return (f"{reverse('audit:list')}?object_type={self.object_type}&object_id={self.object_id}"
                f"#e{self.seqs[0]}")


def _objects_of_file(data_file: DataFile, jobs: list[Job]) -> list[tuple[str, str]]:
    objects = [("datafiles.datafile", str(data_file.pk)), ("vault.blob", str(data_file.blob_id))]
    # The upload that brought the file holds the same blob (a data file does not point back at it).
    objects += [
        ("intake.upload", str(pk))
        for pk in Upload.objects.filter(blob_id=data_file.blob_id).values_list("pk", flat=True)
    ]
    certificates = set(DeletionCertificateItem.objects.filter(blob_id=data_file.blob_id)
                       .values_list("certificate_id", flat=True))
    for job in jobs:
        objects.append(("production.job", str(job.pk)))
        if job.certificate_id:
            certificates.add(job.certificate_id)
    objects += [("retention.deletioncertificate", str(c)) for c in certificates]
    return objects


def _events(objects: list[tuple[str, str]]) -> list[AuditEvent]:
    match = Q()
    for object_type, object_id in objects:
        match |= Q(object_type=object_type, object_id=object_id)
    return list(AuditEvent.objects.filter(match).order_by("seq")[:MAX_EVENTS])


def _links(event: AuditEvent, details: dict[str, Any]) -> list[ObjectLink]:
    """What a step points to besides its log entry: the certificate, the subprocessor, the station."""
    links = []
    if event.action == E.JOB_CERTIFIED and details.get("certificate"):
        url = reverse("retention:certificate", args=[details["certificate"]])
        links.append(ObjectLink(_("Deletion certificate"), url))
    if event.action == E.CERTIFICATE_ISSUED:
        links.append(ObjectLink(_("Deletion certificate"), reverse("retention:certificate", args=[event.object_id])))
    if event.action == E.JOB_DELIVERED:
        sub = Subprocessor.objects.filter(pk=details.get("subprocessor") or 0).first()
        if sub is not None:
            links.append(ObjectLink(_("Subprocessor «%(name)s»") % {"name": sub.name}))
        target = str(details.get("target", ""))
        if target.startswith("print station "):
            links.append(ObjectLink(_("Print station «%(name)s»") % {"name": station_name(target)}))
    return links


def build(events: list[AuditEvent], job_names: dict[str, str]) -> list[Step]:
    """Steps from events in log order; a repeated event joins the step of its kind since the last milestone."""
    steps: list[Step] = []
    repeating: dict[tuple[int, str, str], Step] = {}
    for event in events:
        phase, title = STEPS.get(event.action, ("other", event.get_action_display()))
        key = (event.action, event.object_type, event.object_id)
        if event.action in REPEATING and key in repeating:
            step = repeating[key]
            step.seqs.append(event.seq)
            step.until = event.created_at
            continue
        details = details_of(event)
        text, _rest = sentence(event, details)
        if event.object_type == "production.job" and len(job_names) > 1:
            text = f"{job_names.get(event.object_id, '')}: {text}"
        gate = ""
        if event.action == E.JOB_TRANSITION_REFUSED:
            gate = str(GATES.get(str(details.get("code", "")), details.get("code", "")))
        step = Step(phase=phase, title=str(title), when=event.created_at, who=event.actor_label or event.actor_type,
                    text=text, outcome=event.outcome, object_type=event.object_type, object_id=event.object_id,
                    seqs=[event.seq], links=_links(event, details), gate=gate)
        if event.outcome != Outcome.SUCCESS and phase not in ("failed",):
            step.phase = "failed"
        steps.append(step)
        if event.action in REPEATING:
            repeating[key] = step
        else:
            repeating.clear()
    return steps


def data_file_timeline(data_file: DataFile) -> list[Step]:
    """The file's life: upload, registration, profile, every job made from it, destruction, certificates."""
    jobs = list(Job.objects.filter(data_file=data_file).only("pk", "name", "certificate_id"))
    return build(_events(_objects_of_file(data_file, jobs)), {str(j.pk): j.name for j in jobs})


def job_timeline(job: Job) -> list[Step]:
    """The job's life from the file's reception to its certificate (the file's other jobs left out)."""
    data_file = job.data_file
    objects = [o for o in _objects_of_file(data_file, [job]) if o[0] != "vault.blob"]
    return build(_events(objects), {str(job.pk): job.name})

