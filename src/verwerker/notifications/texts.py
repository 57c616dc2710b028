"""The words of each notification, in the active language, from the names and numbers it carries."""

from __future__ import annotations

from django.utils.translation import gettext as _

from verwerker.notifications.models import Kind


def describe(kind: str, params: dict) -> str:
    """One line saying what happened; ``params`` holds names of files, jobs and clients, and numbers."""
    p = {"file": "", "job": "", "client": "", "reference": "", "station": "", "records": 0, **params}
    texts = {
        Kind.FILE_PROFILED: _("File «%(file)s» of %(client)s was received and profiled: %(records)s records."),
        Kind.FILE_REFUSED: _(
            "File «%(file)s» of %(client)s was refused or could not be read; the reason is on its page."),
        Kind.APPROVAL_REQUESTED: _(
            "Job «%(job)s» of %(client)s is high-risk and waits for approval by a second person."),
        Kind.PROOF_WAITING: _("The proof of job «%(job)s» waits for your approval."),
        Kind.PROOF_REJECTED: _("%(client)s rejected the proof of job «%(job)s»; the reason is on the job's page."),
        Kind.JOB_FAILED: _("Production of job «%(job)s» of %(client)s failed."),
        Kind.JOB_DELIVERED: _("Job «%(job)s» of %(client)s was delivered to print station %(station)s."),
        Kind.BREACH_REPORTED: _("Breach %(reference)s was reported: the 18-hour clock runs from its discovery."),
        Kind.BREACH_NOTICE: _("We sent %(client)s a notice of breach %(reference)s; it is on your home page."),
        Kind.CERTIFICATE_ISSUED: _("A deletion certificate was issued to %(client)s (%(count)s objects deleted)."),
    }
    text = texts.get(kind)  # type: ignore[call-overload]
    if text is None:
        return str(kind)
    return text % {**p, "count": p.get("count", 0)}


def subject(kind: str, params: dict, house: str) -> str:
    """The e-mail's subject: the house and the kind, with the job, file or reference it is about."""
    about = params.get("job") or params.get("file") or params.get("reference") or params.get("client") or ""
    label = str(Kind(kind).label)
    return f"[{house}] {label[:1].upper()}{label[1:]}" + (f": {about}" if about else "")
