"""Writes of the production app: the job life cycle (workflow.py), its gates, production and delivery.

Threat model: a job moves personal data from the vault to paper. What can go wrong is releasing what
should wait (high risk without a second person, minors without parental consent, a BSN without a
legal basis, a client without an agreement), sending data where it may not go (a subprocessor the
agreement does not name, outside the EU/EEA, or without its own agreement), and keeping data after
the job (P17). So every step goes through ``_step``: it locks the job, asks workflow.check_step and
the gates, changes the state and writes the step's audit event in one transaction; a refusal is
audited too (in its own transaction) and raised as StepRefused with a one-line reason.

Invariants: outputs of a production attempt are only visible (queries.visible_outputs) once the job
is produced with that attempt; closing shreds every blob of the job in one transaction with the
certificate that lists them.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.clients.queries import get_active_agreement
from verwerker.datafiles.models import DataFile, DataFileState
from verwerker.production.models import Dedupe, Job, JobOutput, PrintStation, Template
from verwerker.production.workflow import JobState, StepRefused, check_step

__all__ = ["StepRefused"]


def _refuse(job: Job | None, step: str, exc: StepRefused, actor: Actor, client_id: int | None = None) -> None:
    do_record_event(
        EventType.JOB_TRANSITION_REFUSED, actor=actor, client_id=client_id or (job.client_id if job else None),
        object_type="production.job", object_id=job.pk if job else "", outcome=Outcome.REFUSED,
        details={"step": step, "code": exc.code, "reason": exc.reason},
    )


def agreement_for(job: Job):
    """The agreement a job answers to: for a job not yet released, the client's agreement in force now
    (an amendment takes effect on a drafted job); once released, the one it was released under."""
    if job.state == JobState.DRAFTED:
        return get_active_agreement(job.client_id) or job.agreement
    return job.agreement


def _agreement_ended(job: Job) -> StepRefused:
    agreement = job.agreement
    return StepRefused(
        "stop", f"the agreement {agreement.reference} under which this job was released is no longer in force "
        f"(ended {agreement.ends_on or 'now'}): the job was stopped and is back in drafting, to be released again "
        "under the agreement in force (P09)", "agreement_ended",
    )


def _step(job: Job, step: str, *, actor: Actor, gates=None, update: dict | None = None, details: dict | None = None) -> Job:
    """Take one life-cycle step: lock, check (state, agreement, gates), change, audit. Raises StepRefused.

    A drafted job follows the agreement in force; a released one whose agreement has ended is stopped
    (do_stop_job) instead of taking a step that needs the agreement.
    """
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().select_related("agreement").get(pk=job.pk)
            current = get_active_agreement(locked.client_id)
            spec = check_step(
                step, locked.state, agreement_in_force=current is not None, proof_required=locked.proof_required,
            )
            if spec.needs_agreement and locked.state != JobState.DRAFTED and not locked.agreement.is_in_force():
                raise _agreement_ended(locked)
            fields = {"state": spec.target, "updated_at": timezone.now(), **(update or {})}
            if locked.state == JobState.DRAFTED and current is not None and locked.agreement_id != current.pk:
                locked.agreement = fields["agreement"] = current  # the gates judge it by the agreement in force
                details = {**(details or {}), "agreement": current.pk}
            if gates is not None:
                gates(locked)
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[f for f in fields if f != "suppression_files"])
            do_record_event(
                EventType[spec.event], actor=actor, client_id=locked.client_id, obj=locked,
                details={"step": step, "to": spec.target, **(details or {})},
            )
    except StepRefused as exc:
        _refuse(job, step, exc, actor)
        if exc.code == "agreement_ended":
            do_stop_job(job, reason=exc.reason, actor=Actor.system("agreement check"))
        raise
    return locked


def do_stop_job(job: Job, *, reason: str, actor: Actor) -> Job:
    """Send a released job whose agreement ended back to drafting, with the reason shown on it: its
    outputs are shredded and its approvals withdrawn, the client's file stays for a new release."""
    from verwerker.vault.actions import do_shred_blobs

    stopped = _step(job, "stop", actor=actor, update={
        "released_at": None, "approved_by": None, "approved_at": None, "measures_confirmed": False,
        "error": reason[:300]}, details={"reason": reason[:200], "agreement": job.agreement_id})
    outputs = list(JobOutput.objects.filter(job=stopped).values_list("blob_id", flat=True))
    if outputs:
        do_shred_blobs(outputs, actor=actor, reason="job_completed")
    return stopped


# -- drafting --------------------------------------------------------------------------------------


def _check_mapping(data_file: DataFile, mapping: dict, dropped: list) -> dict:
    from verwerker.datafiles.kinds import Kind

    clean = {}
    for column, kind in mapping.items():
        if column not in data_file.column_kinds:
            raise StepRefused("draft", f"{data_file.name}: no column named {column!r}", "mapping")
        if column in dropped or kind in ("", "skip"):
            continue
        try:
            clean[column] = Kind(kind).value
        except ValueError:
            raise StepRefused("draft", f"{kind!r} is not a column kind", "mapping") from None
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
        if data_file.state != DataFileState.PROFILED:
            raise StepRefused("draft", f"{data_file.name} is {data_file.get_state_display()}, not profiled", "file")
        if template.client_id not in (None, data_file.client_id):
            raise StepRefused("draft", "this template belongs to another client", "template")
        if station is not None and subprocessor is not None:
            raise StepRefused("draft", "choose a print station or a subprocessor, not both", "target")
        for extra in suppression_files:
            if extra.client_id != data_file.client_id or extra.state != DataFileState.PROFILED:
                raise StepRefused("draft", "a suppression list must be a profiled file of the same client", "suppression")
        clean = _check_mapping(data_file, mapping if mapping is not None else data_file.column_kinds, [])
    except StepRefused as exc:
        _refuse(None, "draft", exc, actor, client_id=data_file.client_id)
        raise
    with transaction.atomic():
        job = Job.objects.create(
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
    update = {k: v for k, v in options.items() if k in ("name", "template", "dedupe", "proof_required", "station", "subprocessor")}
    if mapping is not None:
        update["mapping"] = _check_mapping(job.data_file, mapping, job.dropped_columns)
    update.update(approved_by=None, approved_at=None)
    return _step(job, "change", actor=actor, update=update, details={"changed": sorted(k for k in update if k not in ("approved_by", "approved_at"))})


def do_drop_bsn_columns(job: Job, *, actor: Actor) -> Job:
    """Drop every BSN column from the job in one step: production never reads them (the BSN gate opens)."""
    columns = sorted(set(job.data_file.columns_of_kind("bsn")) | set(job.dropped_columns))
    mapping = {c: k for c, k in job.mapping.items() if c not in columns}
    job = _step(job, "change", actor=actor, update={"dropped_columns": columns, "mapping": mapping, "approved_by": None, "approved_at": None},
                details={"changed": ["dropped_columns"]})
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
            waiting.append(("high_risk", "the client's agreement does not allow high-risk files (P23)"))
        if not job.measures_confirmed:
            waiting.append(("measures", "the agreement's extra measures for high-risk files are not ticked off (P23)"))
        if job.approved_by_id is None:
            waiting.append(("approval", "a high-risk job needs the approval of a second person with release rights (P23)"))
    if data_file.minors and job.consent_recorded_at is None:
        waiting.append(("minors", f"the file holds {data_file.minors} minors: record the parental consent first (P20)"))
    if bsn_columns_kept(job) and job.legal_basis_recorded_at is None:
        waiting.append(("bsn", "the file holds a BSN: record the client's legal basis or drop the BSN column"))
    return waiting


def do_confirm_measures(job: Job, *, actor: Actor) -> Job:
    """Tick off the agreement's extra measures for a high-risk job (shown beside the button)."""
    job = _step(job, "change", actor=actor, update={"measures_confirmed": True}, details={"changed": ["measures"]})
    do_record_event(EventType.JOB_MEASURES_CONFIRMED, actor=actor, client_id=job.client_id, obj=job)
    return job


def do_approve_job(job: Job, *, user, actor: Actor) -> Job:
    """A second staff member with release rights approves a drafted (high-risk) job. Not the drafter."""

    def gate(locked: Job) -> None:
        if not user.has_perm("production.release_job"):
            raise StepRefused("approve", "only staff with release rights can approve a job", "rights")
        if locked.drafted_by_id == user.pk:
            raise StepRefused("approve", "the person who drafted the job cannot approve it: a second person must (P23)", "four_eyes")

    return _step(job, "approve", actor=actor, gates=gate, update={"approved_by": user, "approved_at": timezone.now()})


def do_record_parental_consent(
    job: Job, *, given_by: str, given_on: dt.date, document: bytes, document_name: str, actor: Actor
) -> Job:
    """Record the client's written parental consent (who, when, the document stored in the vault) (P20)."""
    from verwerker.vault.actions import do_store_blob

    if not given_by.strip() or not document:
        raise StepRefused("change", "parental consent needs who gave it and the document", "minors")
    blob = do_store_blob(document, client=job.client_id, purpose="consent_document", name=document_name[:100], actor=actor)
    job = _step(job, "change", actor=actor, update={
        "consent_given_by": given_by.strip()[:200], "consent_given_on": given_on, "consent_document": blob,
        "consent_recorded_at": timezone.now()}, details={"changed": ["consent"]})
    do_record_event(EventType.JOB_CONSENT_RECORDED, actor=actor, client_id=job.client_id, obj=job,
                    details={"document": str(blob.pk), "sha256": blob.sha256, "given_on": given_on.isoformat()})
    return job


def do_record_legal_basis(job: Job, *, basis: str, actor: Actor) -> Job:
    """Record the legal basis the client stated for processing the BSN (DOMAIN.md §3)."""
    if len(basis.strip()) < 5:
        raise StepRefused("change", "state the legal basis (the statutory provision the client relies on)", "bsn")
    job = _step(job, "change", actor=actor, update={"legal_basis": basis.strip(), "legal_basis_recorded_at": timezone.now()},
                details={"changed": ["legal_basis"]})
    do_record_event(EventType.JOB_LEGAL_BASIS_RECORDED, actor=actor, client_id=job.client_id, obj=job)
    return job


def do_release_job(job: Job, *, user, actor: Actor) -> Job:
    """Release a drafted job for production once every gate is open; enqueues production after commit.

    Raises StepRefused naming the first gate still closed (audited).
    """
    from verwerker.production.tasks import produce_job

    def gate(locked: Job) -> None:
        if not user.has_perm("production.release_job"):
            raise StepRefused("release", "only staff with release rights can release a job", "rights")
        waiting = gates_waiting(locked)
        if waiting:
            raise StepRefused("release", waiting[0][1], waiting[0][0])

    job = _step(job, "release", actor=actor, gates=gate, update={"released_at": timezone.now(), "error": ""},
                details={"agreement": job.agreement_id})
    job_id = job.pk
    transaction.on_commit(lambda: produce_job.enqueue(job_id))
    return job


def do_cancel_job(job: Job, *, actor: Actor) -> Job:
    """Cancel a job before delivery; its blobs are shredded and certified (do_close_job)."""
    job = _step(job, "cancel", actor=actor)
    return do_close_job(job, actor=actor)


# -- production ----------------------------------------------------------------------------------


def do_start_production(job: Job, *, actor: Actor) -> Job:
    """Begin a production attempt (released, or producing after a killed worker): a new attempt number.

    Outputs of earlier attempts are shredded; they were never visible.
    """
    job = _step(job, "start", actor=actor, update={"attempt": job.attempt + 1, "parts_done": 0, "parts_total": 0, "error": ""})
    stale = list(JobOutput.objects.filter(job=job).exclude(attempt=job.attempt).values_list("blob_id", flat=True))
    if stale:
        from verwerker.vault.actions import do_shred_blobs

        do_shred_blobs(stale, actor=actor, reason="job_completed")
    return job


def do_fail_production(job: Job, *, error: str, actor: Actor) -> Job:
    """Give the job back to ``released`` with a one-line error; the next attempt starts from scratch."""
    return _step(job, "fail", actor=actor, update={"error": " ".join(error.split())[:300]}, details={"error": error[:200]})


def do_finish_production(job: Job, *, actor: Actor, records_in: int, records_out: int, pages: int, rejects: int) -> Job:
    """Mark the attempt complete: its outputs become visible. Puts the reject report in the client's outbox."""
    job = _step(job, "finish", actor=actor, update={
        "records_in": records_in, "records_out": records_out, "pages": pages, "rejects": rejects,
        "produced_at": timezone.now()}, details={"records_in": records_in, "records_out": records_out,
                                                 "pages": pages, "rejects": rejects, "attempt": job.attempt})
    _deliver_later(job)
    return job


def _deliver_later(job: Job) -> None:
    """Enqueue delivery after commit when nothing waits for the client (no proof to approve)."""
    from verwerker.production.tasks import deliver_job

    if job.state == JobState.PROOF_APPROVED or (job.state == JobState.PRODUCED and not job.proof_required):
        job_id = job.pk
        transaction.on_commit(lambda: deliver_job.enqueue(job_id))


# -- proof, delivery, closing ------------------------------------------------------------------------


def do_approve_proof(job: Job, *, actor: Actor) -> Job:
    """The client approves the proof (a client user of the job's client); delivery follows as a task."""
    job = _step(job, "approve_proof", actor=actor)
    _deliver_later(job)
    return job


def do_reject_proof(job: Job, *, actor: Actor, reason: str = "") -> Job:
    """The client rejects the proof: the outputs are shredded and the job goes back to drafting."""
    from verwerker.vault.actions import do_shred_blobs

    job = _step(job, "reject_proof", actor=actor, update={"approved_by": None, "approved_at": None},
                details={"reason": reason[:200]})
    do_shred_blobs(list(JobOutput.objects.filter(job=job).values_list("blob_id", flat=True)), actor=actor,
                   reason="job_completed")
    return job


def delivery_refusal(job: Job) -> str | None:
    """Why this job may not go to its subprocessor (P21, P22), or None when it may."""
    from verwerker.clients.eea import is_eea

    sub = job.subprocessor
    if sub is None:
        return None
    agreement = get_active_agreement(job.client_id)
    if agreement is None or not agreement.subprocessors.filter(pk=sub.pk).exists():
        return f"the client's processing agreement does not name {sub.name} as a subprocessor (P21)"
    if sub.active_agreement() is None:
        return f"{sub.name} has no subprocessing agreement in force (P21)"
    if not is_eea(sub.country):
        return f"{sub.name} is established in {sub.country}, outside the EU/EEA (P22)"
    if not sub.receives_personal_data:
        return f"{sub.name} is registered as not receiving personal data (P21)"
    return None


def _print_parts(job: Job):
    from verwerker.production.queries import visible_outputs
    from verwerker.production.models import OutputKind

    return list(visible_outputs(job).filter(kind=OutputKind.PART).order_by("index"))


def _write_hot_folder(job: Job, station: PrintStation) -> list[str]:
    """Write the print parts into the station's hot folder: a hidden .partial file, then an atomic rename.

    The RIP sees a file only once it is complete. These are plaintext print files: they exist only
    here, only until the operator confirms printing (then do_close_job removes them).
    """
    from verwerker.vault.actions import open_blob_reader

    folder = Path(station.hot_folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for output in _print_parts(job):
        final = folder / job.part_name(output.index)
        partial = folder / f".{final.name}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "wb") as out, open_blob_reader(output.blob_id, actor=Actor.system("delivery")) as reader:
            for chunk in reader.iter_chunks():
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
        written.append(str(final))
    return written


def do_deliver_job(job: Job, *, actor: Actor) -> Job:
    """Deliver a produced job to its print station's hot folder, or push it to its subprocessor over SFTP.

    Refuses (audited) a subprocessor the agreement does not name, without its own agreement, or
    outside the EU/EEA, saying which condition failed; also one without an SFTP target, and a push
    that fails (host key not the pinned one, login refused, unreachable): the job stays produced.
    """
    reason = None
    if job.station is None and job.subprocessor is None:
        reason = "the job has no print station or subprocessor to deliver to"
    elif job.subprocessor is not None:
        reason = delivery_refusal(job)
        if reason is None and not job.subprocessor.has_sftp_target:
            reason = f"{job.subprocessor.name} has no SFTP target (host, user, pinned host key, credential) set"
    elif not job.station.active:
        reason = f"print station {job.station.name} is not active"
    if reason:
        exc = StepRefused("deliver", reason, "target")
        _refuse(job, "deliver", exc, actor)
        raise exc
    try:
        check_step("deliver", job.state, agreement_in_force=get_active_agreement(job.client_id) is not None,
                   proof_required=job.proof_required)
    except StepRefused as exc:
        _refuse(job, "deliver", exc, actor)
        raise
    if job.subprocessor is not None:
        return _push_to_subprocessor(job, actor=actor)
    written = _write_hot_folder(job, job.station)
    try:
        return _step(job, "deliver", actor=actor, update={"delivered_files": written, "delivery_target": f"station:{job.station.name}",
                                                          "delivered_at": timezone.now()},
                     details={"target": f"print station {job.station.pk}", "files": len(written)})
    except StepRefused:
        _remove_files(written)
        raise


def _push_to_subprocessor(job: Job, *, actor: Actor) -> Job:
    """Stream the print parts from the vault into the subprocessor's SFTP target (host key pinned),
    then take the deliver step. A failed push is audited as a refusal and leaves the job produced."""
    from verwerker.production.sftp_push import PushError, Pusher, Target
    from verwerker.vault.actions import open_blob_reader

    sub = job.subprocessor
    target = Target.of(sub)
    reader_actor = Actor.system("delivery")
    sent: list[tuple[str, int]] = []
    try:
        with Pusher(target) as pusher:
            for output in _print_parts(job):
                name = job.part_name(output.index)
                with open_blob_reader(output.blob_id, actor=reader_actor) as reader:
                    sent.append((name, pusher.put(name, reader.iter_chunks())))
            def recheck(locked: Job) -> None:  # the conditions may have changed while the files went out
                reason = delivery_refusal(locked)
                if reason:
                    raise StepRefused("deliver", reason, "target")

            try:
                return _step(job, "deliver", actor=actor, gates=recheck, update={
                    "delivered_files": [], "delivery_target": f"subprocessor:{sub.name}"[:200],
                    "delivered_at": timezone.now()},
                    details={"target": sub.sftp_target_label(), "subprocessor": sub.pk, "host_key": sub.sftp_host_key,
                             "files": [n for n, _ in sent], "bytes": sum(b for _, b in sent)})
            except StepRefused:
                pusher.remove([n for n, _ in sent])
                raise
    except PushError as exc:
        refused = StepRefused("deliver", f"push to {sub.name} failed: {exc}", "push")
        _refuse(job, "deliver", refused, actor)
        raise refused from None


def _remove_files(paths) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def do_confirm_printed(job: Job, *, user, actor: Actor) -> Job:
    """The print operator confirms printing: the hot-folder files go, then every blob of the job is
    shredded and certified at once (P17)."""
    def gate(locked: Job) -> None:
        if not user.has_perm("production.confirm_printing"):
            raise StepRefused("confirm", "only a print operator can confirm printing", "rights")
        if locked.subprocessor_id is not None:
            raise StepRefused("confirm", "a job delivered to a subprocessor is confirmed by that subprocessor", "rights")

    job = _step(job, "confirm", actor=actor, gates=gate, update={"confirmed_at": timezone.now()})
    return do_close_job(job, actor=actor)


# Reject reports reach the client's outbox as "weigeringen-job-<job>-<attempt>.csv" (production/run.py).
REJECTS_OUTBOX_PREFIX = "weigeringen-job-"
def do_confirm_production(job: Job, *, user, actor: Actor) -> Job:
    """The subprocessor the job was delivered to confirms production, through its own login: every
    blob of the job is then shredded and certified at once (P17), as after printing in house.

    Raises StepRefused unless ``user`` has the subprocessor role's permission and is bound to the
    job's subprocessor (audited).
    """
    def gate(locked: Job) -> None:
        binding = getattr(user, "subprocessor_binding", None) if user.has_perm("production.confirm_production") else None
        if binding is None or locked.subprocessor_id is None or binding.subprocessor_id != locked.subprocessor_id:
            raise StepRefused("confirm", "only the subprocessor the job was delivered to can confirm its production", "rights")

    job = _step(job, "confirm", actor=actor, gates=gate, update={"confirmed_at": timezone.now()},
                details={"subprocessor": job.subprocessor_id})
    return do_close_job(job, actor=actor)


def job_blob_ids(job: Job) -> list:
    """Every vault blob the job holds personal data in: its file, suppression lists, outputs, consent,
    and the copies of its reject reports in the client's outbox (they hold the rejected records)."""
    from verwerker.intake.models import OutboxFile

    ids = [job.data_file.blob_id, *job.suppression_files.values_list("blob_id", flat=True)]
    ids += list(JobOutput.objects.filter(job=job).values_list("blob_id", flat=True))
    ids += list(
        OutboxFile.objects.filter(client_id=job.client_id, name__startswith=f"{REJECTS_OUTBOX_PREFIX}{job.pk}-")
        .values_list("blob_id", flat=True)
    )
    if job.consent_document_id:
        ids.append(job.consent_document_id)
    return ids


def do_close_job(job: Job, *, actor: Actor) -> Job:
    """Purge and certify: shred all the job's blobs and issue the certificate in one transaction, then
    put the certificate in the client's outbox. Idempotent for a job already certified."""
    from verwerker.datafiles.actions import do_mark_data_files_purged
    from verwerker.retention.certificates import do_issue_certificate
    from verwerker.vault.actions import do_shred_blobs
    from verwerker.vault.models import Blob

    if job.state == JobState.CERTIFIED:
        return job
    _remove_files(job.delivered_files)
    with transaction.atomic():
        ids = job_blob_ids(job)
        do_shred_blobs(ids, actor=actor, reason="job_completed")
        job = _step(job, "purge", actor=actor, update={"delivered_files": []}, details={"blobs": len(ids)})
        uncertified = list(Blob.objects.filter(pk__in=ids, certificate_item__isnull=True).values_list("pk", flat=True))
        cert = None
        if uncertified:
            cert = do_issue_certificate(job.client_id, uncertified, reason="job_completed", actor=actor,
                                        subject=f"job {job.pk}")
        job = _step(job, "certify", actor=actor, update={"certificate": cert, "closed_at": timezone.now()},
                    details={"certificate": str(cert.pk) if cert else None})
    do_mark_data_files_purged(actor=actor)
    if cert is not None:
        from verwerker.intake.actions import do_put_in_outbox
        from verwerker.retention.certificates import render_certificate_pdf

        do_put_in_outbox(job.client, f"vernietigingsverklaring-job-{job.pk}.pdf", render_certificate_pdf(cert),
                         actor=actor, purpose="certificate")
    return job
