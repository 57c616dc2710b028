"""Drafting actions: a job on a profiled file, its mapping and options, the gates before release
(P20, P23, the BSN), release and cancel."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.queries import get_active_agreement
from verwerker.datafiles.kinds import Kind
from verwerker.datafiles.models import DataFile, DataFileState
from verwerker.production.actions.closing import do_close_job
from verwerker.production.actions.common import _refuse, _step, agreement_for
from verwerker.production.later import enqueue_after_commit
from verwerker.production.models import Dedupe, Job, PrintStation, Template
from verwerker.production.workflow import JobState, StepRefused, check_step
from verwerker.vault.actions import do_store_blob
from verwerker.vault.models import BlobPurpose


def _check_mapping(data_file: DataFile, mapping: dict, dropped: list) -> dict:
    clean = {}
    for column, kind in mapping.items():
        if column not in data_file.column_kinds:
            raise StepRefused(
                "draft",
                format_lazy(_("{file}: no column named «{column}»"), file=data_file.name, column=column),
                "mapping",
            )
        if column in dropped or kind in ("", "skip"):
            continue
        try:
            clean[column] = Kind(kind).value
        except ValueError:
            raise StepRefused("draft", format_lazy(_("«{kind}» is not a column kind"), kind=kind), "mapping") from None
    return clean


def do_draft_job(
    data_file: DataFile, *, name: str, template: Template, actor: Actor, user=None, mapping: dict | None = None,
    dedupe: str = Dedupe.PERSON, suppression_files=(), proof_required: bool = False,
    station: PrintStation | None = None, subprocessor=None,
) -> Job:
    """Draft a job on a profiled file: mapping (default: the profile's kinds), template and options.

    Raises StepRefused if the file is not profiled, the client has no agreement in force (P09), or the
    mapping names an unknown column or kind. Records JOB_DRAFTED.
    """
    agreement = get_active_agreement(data_file.client_id)
    try:
        check_step("draft", None, agreement_in_force=agreement is not None)
        if data_file.state != DataFileState.PROFILED or data_file.is_purged:
            raise StepRefused(
                "draft",
                format_lazy(_("{file} is {state}, not profiled"), file=data_file.name, state=data_file.state_label),
                "file",
            )
        if template.client_id not in (None, data_file.client_id):
            raise StepRefused("draft", _("this template belongs to another client"), "template")
        if station is not None and subprocessor is not None:
            raise StepRefused("draft", _("choose a print station or a subprocessor, not both"), "target")
        for extra in suppression_files:
            if extra.client_id != data_file.client_id or extra.state != DataFileState.PROFILED or extra.is_purged:
                raise StepRefused(
                    "draft", _("a suppression list must be a profiled file of the same client"), "suppression"
                )
        clean = _check_mapping(data_file, mapping if mapping is not None else data_file.column_kinds, [])
    except StepRefused as exc:
        _refuse(None, "draft", exc, actor, client_id=data_file.client_id)
        raise
    with transaction.atomic():
        job = Job.objects.create(  # type: ignore[misc]
            client_id=data_file.client_id, agreement=agreement, data_file=data_file, name=name[:200] or data_file.name,
            template=template, mapping=clean, dedupe=Dedupe(dedupe), proof_required=proof_required,
            station=station, subprocessor=subprocessor, drafted_by=user,
        )
        job.suppression_files.set(list(suppression_files))
        do_record_event(
            EventType.JOB_DRAFTED, actor=actor, client_id=job.client_id, obj=job,
            details={"step": "draft", "to": JobState.DRAFTED, "data_file": data_file.pk, "template": template.pk,
                     "dedupe": job.dedupe, "risk": data_file.risk, "minors": data_file.minors,
                     "bsn": data_file.has_bsn},
        )
    return job


def do_change_job(job: Job, *, actor: Actor, mapping: dict | None = None, **options) -> Job:
    """Change a drafted job's mapping or options; a change withdraws an earlier second-person approval."""
    update = {
        k: v
        for k, v in options.items()
        if k in ("name", "template", "dedupe", "proof_required", "station", "subprocessor")
    }
    if mapping is not None:
        update["mapping"] = _check_mapping(job.data_file, mapping, job.dropped_columns)
    update.update(approved_by=None, approved_at=None)
    return _step(
        job,
        "change",
        actor=actor,
        update=update,
        details={"changed": sorted(k for k in update if k not in ("approved_by", "approved_at"))},
    )


def do_drop_bsn_columns(job: Job, *, actor: Actor) -> Job:
    """Drop every BSN column from the job in one step: production never reads them (the BSN gate opens)."""
    columns = sorted(set(job.data_file.columns_of_kind("bsn")) | set(job.dropped_columns))
    mapping = {c: k for c, k in job.mapping.items() if c not in columns}
    job = _step(
        job,
        "change",
        actor=actor,
        update={"dropped_columns": columns, "mapping": mapping, "approved_by": None, "approved_at": None},
        details={"changed": ["dropped_columns"]},
    )
    do_record_event(EventType.JOB_COLUMN_DROPPED, actor=actor, client_id=job.client_id, obj=job,
                    details={"kind": "bsn", "columns": len(columns)})
    return job

# -- gates ---------------------------------------------------------------------------------------


def bsn_columns_kept(job: Job) -> list[str]:
    return [c for c in job.data_file.columns_of_kind("bsn") if c not in job.dropped_columns]


def gates_waiting(job: Job) -> list[tuple[str, str]]:
    """The gates that still block release, as (code, one-line reason); empty when release may go ahead."""
    waiting = []
    data_file = job.data_file
    if data_file.is_high_risk:
        if not agreement_for(job).high_risk_allowed:
            waiting.append(("high_risk", _("the client's agreement does not allow high-risk files (P23)")))
        if not job.measures_confirmed:
            waiting.append(
                ("measures", _("the agreement's extra measures for high-risk files are not ticked off (P23)"))
            )
        if job.approved_by_id is None:
            waiting.append(
                ("approval", _("a high-risk job needs the approval of a second person with release rights (P23)"))
            )
    if data_file.minors and job.consent_recorded_at is None:
        waiting.append(
            (
                "minors",
                format_lazy(
                    _("the file holds {n} minors: record the parental consent first (P20)"), n=data_file.minors
                ),
            )
        )
    if bsn_columns_kept(job) and job.legal_basis_recorded_at is None:
        waiting.append(("bsn", _("the file holds a BSN: record the client's legal basis or drop the BSN column")))
    return waiting  # type: ignore[return-value]


def do_confirm_measures(job: Job, *, actor: Actor) -> Job:
    """Tick off the agreement's extra measures for a high-risk job (shown beside the button)."""
    job = _step(job, "change", actor=actor, update={"measures_confirmed": True}, details={"changed": ["measures"]})
    do_record_event(EventType.JOB_MEASURES_CONFIRMED, actor=actor, client_id=job.client_id, obj=job)
    return job


def do_approve_job(job: Job, *, user, actor: Actor) -> Job:
    """A second staff member with release rights approves a drafted (high-risk) job. Not the drafter."""

    def gate(locked: Job) -> None:
        if not user.has_perm("production.release_job"):
            raise StepRefused("approve", _("only staff with release rights can approve a job"), "rights")
        if locked.drafted_by_id == user.pk:
            raise StepRefused(
                "approve",
                _("the person who drafted the job cannot approve it: a second person must (P23)"),
                "four_eyes",
            )

    return _step(job, "approve", actor=actor, gates=gate, update={"approved_by": user, "approved_at": timezone.now()})


def do_record_parental_consent(
    job: Job, *, given_by: str, given_on: dt.date, document: bytes, document_name: str, actor: Actor
) -> Job:
    """Record the client's written parental consent (who, when, the document stored in the vault) (P20)."""

    if not given_by.strip() or not document:
        raise StepRefused("change", _("parental consent needs who gave it and the document"), "minors")
    blob = do_store_blob(
        document, client=job.client_id, purpose=BlobPurpose.CONSENT_DOCUMENT, name=document_name[:100], actor=actor
    )
    job = _step(job, "change", actor=actor, update={
        "consent_given_by": given_by.strip()[:200], "consent_given_on": given_on, "consent_document": blob,
        "consent_recorded_at": timezone.now()}, details={"changed": ["consent"]})
    do_record_event(EventType.JOB_CONSENT_RECORDED, actor=actor, client_id=job.client_id, obj=job,
                    details={"document": str(blob.pk), "sha256": blob.sha256, "given_on": given_on.isoformat()})
    return job


def do_record_legal_basis(job: Job, *, basis: str, actor: Actor) -> Job:
    """Record the legal basis the client stated for processing the BSN (DOMAIN.md §3)."""
    if len(basis.strip()) < 5:
        raise StepRefused("change", _("state the legal basis (the statutory provision the client relies on)"), "bsn")
    job = _step(
        job,
        "change",
        actor=actor,
        update={"legal_basis": basis.strip(), "legal_basis_recorded_at": timezone.now()},
        details={"changed": ["legal_basis"]},
    )
    do_record_event(EventType.JOB_LEGAL_BASIS_RECORDED, actor=actor, client_id=job.client_id, obj=job)
    return job


def do_release_job(job: Job, *, user, actor: Actor) -> Job:
    """Release a drafted job for production once every gate is open; enqueues production after commit.

    Raises StepRefused naming the first gate still closed (audited).
    """
    def gate(locked: Job) -> None:
        if not user.has_perm("production.release_job"):
            raise StepRefused("release", _("only staff with release rights can release a job"), "rights")
        waiting = gates_waiting(locked)
        if waiting:
            raise StepRefused("release", waiting[0][1], waiting[0][0])

    job = _step(job, "release", actor=actor, gates=gate,
                update={"released_at": timezone.now(), "error": "", "progress_at": timezone.now()},
                details={"agreement": job.agreement_id})
    enqueue_after_commit("verwerker.production.tasks.produce_job", job.pk)
    return job


def do_cancel_job(job: Job, *, actor: Actor) -> Job:
    """Cancel a job before delivery; its blobs are shredded and certified (do_close_job)."""
    job = _step(job, "cancel", actor=actor)
    return do_close_job(job, actor=actor)


