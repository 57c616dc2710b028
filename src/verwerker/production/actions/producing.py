"""Producing actions: the attempts of a released job, their parts, their failure, their end and recovery.

Production runs as tasks, each calling exactly one action here: prepare once (``do_prepare_production``),
render each part (``do_render_part``), finish (``do_finish_production``). The computing is
production/engine.py's (no ORM); what is written here is the vault blobs first (each its own commit in
the vault) and then, in one transaction per action, the job's rows, its state and its audit event.

Threat model and invariants: outputs are bound to a production *attempt*; only the attempt the job was
produced with is visible (queries.visible_outputs). A part written by a worker that was killed, or by an
attempt that was superseded, never becomes visible and is shredded. An error moves the job to
``failed`` with a one-line reason without record data (engine and template errors are written that
way; anything else is named by its type only). Finishing commits manifest, proof, reject report and the
state change together. The recovery sweep (``do_resume_production``) claims a job whose progress
stopped with a conditional update, so any number of schedulers resume it once.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.intake.actions import do_put_in_outbox
from verwerker.production import engine
from verwerker.production.actions.common import _step
from verwerker.production.later import enqueue_after_commit
from verwerker.production.models import Job, JobOutput, OutputKind
from verwerker.production.preview import page_count
from verwerker.production.workflow import JobState, StepRefused
from verwerker.vault.actions import do_shred_blobs, do_store_blob, read_blob_bytes
from verwerker.vault.models import BlobPurpose, DeletionReason, ReadPurpose

# Reject reports reach the client's outbox as "weigeringen-job-<job>-<attempt>.csv".
REJECTS_OUTBOX_PREFIX = "weigeringen-job-"
_PURPOSE = {OutputKind.PART: "print_output", OutputKind.REJECTS: "reject_report", OutputKind.MANIFEST: "manifest",
            OutputKind.MANIFEST_PART: "manifest", OutputKind.PROOF: "print_output", OutputKind.REPRINT: "print_output"}


def failure_reason(exc: BaseException) -> str:
    """One line for the job page and the audit trail. Only our own errors (ValueError and its kin, such
    as TemplateError) are known to hold no record data; any other is named by its type."""
    if isinstance(exc, ValueError) and str(exc).strip():
        return " ".join(str(exc).splitlines()[0].split())[:300]
    return type(exc).__name__


def _store(job: Job, kind: str, index: int, data: bytes, *, attempt: int, actor: Actor, pages: int | None = None,
           name: str = "") -> JobOutput:
    blob = do_store_blob(data, client=job.client_id, purpose=_PURPOSE.get(kind, "intermediate"),  # type: ignore[call-overload]
                         name=name or f"job-{job.pk}-{kind}-{index}", actor=actor)
    return JobOutput(job=job, attempt=attempt, kind=kind, index=index, blob=blob, pages=pages)


def _read_records_blob(output: JobOutput, *, actor: Actor) -> pl.DataFrame:
    return engine.read_records(read_blob_bytes(output.blob_id, actor=actor, purpose=ReadPurpose.PRODUCTION))


def _records_part(job: Job, attempt: int, index: int, *, actor: Actor) -> pl.DataFrame:
    """Part ``index``'s prepared records. Each part has its own records blob (RECORDS, index = part), so a
    part's task reads and holds only its part; an attempt prepared before that has one blob of all its
    records at index 0, of which the part's slice is taken."""
    found = {o.index: o for o in JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.RECORDS,
                                                          index__in=(0, index))}
    if index in found:
        return _read_records_blob(found[index], actor=actor)
    return engine.part_slice(_read_records_blob(found[0], actor=actor), index, settings.JOB_PART_SIZE)


def records_at(job: Job, attempt: int, positions: list[int], *, actor: Actor) -> pl.DataFrame:
    """The prepared records at these 0-based positions (the record with sequence number s is at s - 1),
    in postal order; a position beyond the last record is left out. Reads only the parts that hold them:
    every part but the last holds as many records as the first, so the first tells where a position lies."""
    outputs = {o.index: o for o in JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.RECORDS)}
    if not outputs:
        raise engine.EngineError("the prepared records of this attempt are gone")
    wanted = sorted(set(positions))
    if 0 in outputs:  # all records in one blob (prepared before each part had its own, or none at all)
        whole = _read_records_blob(outputs[0], actor=actor)
        held = [p for p in wanted if p < whole.height]
        return whole[held] if held else whole.clear()  # (an empty list would select no columns)
    first = _read_records_blob(outputs[1], actor=actor)
    per_part = first.height
    by_part: dict[int, list[int]] = {}
    for position in wanted:
        by_part.setdefault(position // per_part + 1, []).append(position - (position // per_part) * per_part)
    picked = []
    for index, local in by_part.items():
        if index in outputs:
            part = first if index == 1 else _read_records_blob(outputs[index], actor=actor)
            if held := [i for i in local if i < part.height]:
                picked.append(part[held])
    return pl.concat(picked) if picked else first.clear()


def _shred_outputs(outputs: list[JobOutput], *, actor: Actor, reason: str) -> None:
    if outputs:
        do_shred_blobs([o.blob_id for o in outputs], actor=actor, reason=reason)


def _template(job: Job):
    return engine.template_path(job.template.source, settings.DATA_DIR)


def _background(job: Job) -> bytes | None:
    return bytes(job.template.background) if job.template.background else None


def do_start_production(job: Job, *, actor: Actor) -> Job:
    """Begin a production attempt (released, or producing after a killed worker): a new attempt number.

    Outputs of earlier attempts are shredded; they were never visible.
    """
    job = _step(job, "start", actor=actor, update=lambda locked: {
        "attempt": locked.attempt + 1, "parts_done": 0, "parts_total": 0, "error": "", "progress_at": timezone.now()})
    _shred_outputs(list(JobOutput.objects.filter(job=job).exclude(attempt=job.attempt)), actor=actor,
                   reason=DeletionReason.ATTEMPT_SUPERSEDED)
    return job


def do_fail_production(job: Job, *, error: str, actor: Actor, attempt: int | None = None) -> Job | None:
    """Move the job to ``failed`` with a one-line reason; the database department retries or cancels.

    With ``attempt``, only while that attempt is the current one (a superseded attempt's error is not
    the job's); returns None when the job had moved on.
    """
    def gate(locked: Job) -> None:
        if attempt is not None and locked.attempt != attempt:
            raise StepRefused("fail", _("a newer production attempt runs"), "attempt")

    error = " ".join(error.split())[:300]
    try:
        return _step(job, "fail", actor=actor, gates=gate, update={"error": error},
                     details={"error": error[:200], "attempt": job.attempt})
    except StepRefused:
        return None


def do_retry_production(job: Job, *, actor: Actor) -> Job:
    """Give a failed job back to production (after its template or data was fixed): a new attempt."""
    job = _step(job, "retry", actor=actor, update={"error": "", "progress_at": timezone.now()},
                details={"after": job.error[:200]})
    enqueue_after_commit("verwerker.production.tasks.produce_job", job.pk)
    return job


def do_prepare_production(job_id: int, *, actor: Actor) -> int:
    """Start an attempt and do everything before rendering: records in postal order and the reject
    report (vault), then one render task per part. Returns the number of parts (0 when nothing was
    started: the job is no longer released or producing, or preparing failed)."""

    job = Job.objects.select_related("template", "data_file").get(pk=job_id)
    if job.state not in (JobState.RELEASED, JobState.PRODUCING):
        return 0
    if job.state == JobState.PRODUCING and JobOutput.objects.filter(
            job=job, attempt=job.attempt, kind=OutputKind.RECORDS).exists():
        return 0  # a duplicate task: this attempt is prepared and its parts are queued
    try:
        data_file = job.data_file
        frame = engine.read_frame(
            read_blob_bytes(data_file.blob_id, actor=actor, purpose=ReadPurpose.PRODUCTION),
            data_file.name,
            job.dropped_columns,
        )
        suppression = [
            (
                f"list-{f.pk}",
                engine.read_frame(read_blob_bytes(f.blob_id, actor=actor, purpose=ReadPurpose.PRODUCTION), f.name, []),
                dict(f.column_kinds),
            )
            for f in job.suppression_files.all()
        ]
        prepared = engine.prepare(frame, job.mapping, template=_template(job), dedupe=job.dedupe,
                                  part_size=settings.JOB_PART_SIZE, suppression=suppression)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the job's state, never a hang
        do_fail_production(job, error=failure_reason(exc), actor=actor)
        return 0
    del frame, suppression
    # One records blob per part: a part's task reads only its own. An attempt without records stores
    # an empty one at index 0 (the existence of RECORDS marks the attempt as prepared).
    records = prepared.records_parts or [engine.records_ipc(pl.DataFrame())]  # no records, no columns
    first = 1 if prepared.records_parts else 0
    outputs = [*(_store(job, OutputKind.RECORDS, first + i, data, attempt=0, actor=actor)
                 for i, data in enumerate(records)),
               _store(job, OutputKind.REJECTS, 0, prepared.rejects_csv, attempt=0, actor=actor,
                      name=f"weigeringen-job-{job.pk}.csv")]
    stale: list[JobOutput] = []

    def write(locked: Job) -> dict:
        for output in outputs:
            output.attempt = locked.attempt
        stale.extend(JobOutput.objects.filter(job=locked).exclude(attempt=locked.attempt))
        JobOutput.objects.bulk_create(outputs)
        for index in range(1, prepared.parts + 1):
            enqueue_after_commit("verwerker.production.tasks.render_job_part", locked.pk, locked.attempt, index)
        if not prepared.parts:
            enqueue_after_commit("verwerker.production.tasks.finish_job_production", locked.pk, locked.attempt)
        return {"attempt": locked.attempt, "parts": prepared.parts}

    try:
        _step(job, "start", actor=actor, within=write, update=lambda locked: {
            "attempt": locked.attempt + 1, "parts_done": 0, "parts_total": prepared.parts, "error": "",
            "records_in": prepared.records_in, "records_out": prepared.records_out, "rejects": prepared.rejects,
            "progress_at": timezone.now()})
    except StepRefused:
        _shred_outputs(outputs, actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
        return 0
    _shred_outputs(stale, actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
    return prepared.parts


def do_render_part(job_id: int, attempt: int, index: int, *, actor: Actor) -> bool:
    """Render part ``index`` of an attempt into the vault; the last part to land enqueues the finish.

    Idempotent: a part already stored for this attempt, or an attempt no longer current, is skipped
    (a part rendered twice, by a reclaimed task beside a slow one, is shredded, never counted twice).
    """

    job = Job.objects.select_related("template").get(pk=job_id)
    if job.attempt != attempt or job.state != JobState.PRODUCING:
        return False
    if JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.PART, index=index).exists():
        return False
    try:
        records = _records_part(job, attempt, index, actor=actor)
        part = engine.render_part(records, index, template=_template(job), background=_background(job),
                                  part_size=settings.JOB_PART_SIZE)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the job's state, never a hang
        do_fail_production(job, error=failure_reason(exc), actor=actor, attempt=attempt)
        return False
    del records
    outputs = [_store(job, OutputKind.PART, index, part.pdf, attempt=attempt, actor=actor, pages=part.pages,
                      name=job.part_name(index)),
               _store(job, OutputKind.MANIFEST_PART, index, part.manifest_csv, attempt=attempt, actor=actor)]
    try:
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job_id)
            if locked.attempt != attempt or locked.state != JobState.PRODUCING:
                raise IntegrityError("superseded")
            JobOutput.objects.bulk_create(outputs)
            locked.parts_done = JobOutput.objects.filter(job=locked, attempt=attempt, kind=OutputKind.PART).count()
            locked.progress_at = timezone.now()
            locked.save(update_fields=["parts_done", "progress_at"])
            do_record_event(EventType.JOB_PART_RENDERED, actor=actor, client_id=locked.client_id, obj=locked,
                            details={"attempt": attempt, "part": index, "records": part.records, "pages": part.pages})
            if locked.parts_done >= locked.parts_total:
                enqueue_after_commit("verwerker.production.tasks.finish_job_production", job_id, attempt)
    except IntegrityError:  # superseded, or the same part landed first from another worker
        _shred_outputs(outputs, actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
        return False
    return True


def do_finish_production(job_id: int, attempt: int, *, actor: Actor) -> bool:
    """Join the manifests, render the proof, and in one transaction store them, mark the job produced
    and put the reject report in the client's outbox; delivery follows as a task."""

    job = Job.objects.select_related("template", "client").get(pk=job_id)
    if job.attempt != attempt or job.state != JobState.PRODUCING:
        return False
    parts = JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.PART)
    if parts.count() < job.parts_total:
        return False  # not all parts have landed (a resumed job's finish is enqueued again by the last one)
    try:
        manifests = JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.MANIFEST_PART).order_by("index")
        manifest = engine.join_manifests(
            [read_blob_bytes(o.blob_id, actor=actor, purpose=ReadPurpose.PRODUCTION) for o in manifests]
        )
        sample = records_at(job, attempt, engine.proof_positions(job.records_out or 0), actor=actor)
        proof = engine.render_proof(sample, template=_template(job), background=_background(job), sampled=True)
        rejects = read_blob_bytes(JobOutput.objects.get(job=job, attempt=attempt, kind=OutputKind.REJECTS).blob_id,
                                  actor=actor, purpose=ReadPurpose.PRODUCTION)
    except Exception as exc:  # noqa: BLE001 - every failure becomes the job's state, never a hang
        do_fail_production(job, error=failure_reason(exc), actor=actor, attempt=attempt)
        return False
    outputs = [
        _store(job, OutputKind.MANIFEST, 0, manifest, attempt=attempt, actor=actor, name=f"manifest-job-{job.pk}.csv")
    ]
    if proof is not None:
        outputs.append(_store(job, OutputKind.PROOF, 0, proof, attempt=attempt, actor=actor,
                              name=f"proef-job-{job.pk}.pdf", pages=page_count(proof)))
    pages = sum(parts.values_list("pages", flat=True))  # type: ignore[arg-type]

    def gate(locked: Job) -> None:
        if locked.attempt != attempt:
            raise StepRefused("finish", _("a newer production attempt runs"), "attempt")

    def write(locked: Job) -> dict:
        JobOutput.objects.bulk_create(outputs)
        do_put_in_outbox(locked.client, f"{REJECTS_OUTBOX_PREFIX}{locked.pk}-{attempt}.csv", rejects,
                         actor=actor, purpose=BlobPurpose.REJECT_REPORT)
        return {"records_in": locked.records_in, "records_out": locked.records_out, "pages": pages,
                "rejects": locked.rejects, "attempt": attempt}

    try:
        job = _step(
            job,
            "finish",
            actor=actor,
            gates=gate,
            within=write,
            update={
                "pages": pages,
                "produced_at": timezone.now(),
                "progress_at": timezone.now(),
            },
        )
    except (StepRefused, IntegrityError):  # superseded, or finished a moment ago by a duplicate task
        _shred_outputs(outputs, actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
        return False
    _deliver_later(job)
    return True


def _deliver_later(job: Job) -> None:
    """Enqueue delivery after commit when nothing waits for the client (no proof to approve)."""
    if job.state == JobState.PROOF_APPROVED or (job.state == JobState.PRODUCED and not job.proof_required):
        enqueue_after_commit("verwerker.production.tasks.deliver_job", job.pk)


# -- recovery (the sweep) --------------------------------------------------------------------------


def stalled_jobs(now: dt.datetime, stall: dt.timedelta):
    """Jobs released or producing whose progress stopped for ``stall``: a dead worker, a lost task."""
    return Job.objects.filter(state__in=(JobState.RELEASED, JobState.PRODUCING), progress_at__lt=now - stall)


def _queued_tasks() -> set[tuple[str, tuple]]:
    """Production tasks waiting or running (a dead worker's were reclaimed before the sweep looks)."""
    from django_tasks_db.models import DBTaskResult  # deferred: a heavy import

    rows = DBTaskResult.objects.filter(
        status__in=("READY", "RUNNING"), task_path__startswith="verwerker.production.tasks."
    )
    return {(path.rsplit(".", 1)[1], tuple(args_kwargs.get("args", ())))
            for path, args_kwargs in rows.values_list("task_path", "args_kwargs")}


def do_resume_production(job: Job, *, now: dt.datetime, actor: Actor) -> str | None:
    """Claim a stalled job (a conditional update of its progress time: one sweep wins) and enqueue what
    is missing: the parts not stored, or the finish, or, when there is no prepared attempt, a new
    attempt. Returns what was enqueued ("parts", "finish", "attempt"), or None if another sweep won."""
    with transaction.atomic():
        if not Job.objects.filter(pk=job.pk, state=job.state, progress_at=job.progress_at).update(progress_at=now):
            return None
        locked = Job.objects.select_for_update().get(pk=job.pk)
        prepared = locked.state == JobState.PRODUCING and JobOutput.objects.filter(
            job=locked, attempt=locked.attempt, kind=OutputKind.RECORDS).exists()
        queued = _queued_tasks()
        if not prepared:
            what, missing = "attempt", []
            if ("produce_job", (locked.pk,)) not in queued:
                enqueue_after_commit("verwerker.production.tasks.produce_job", locked.pk)
        else:
            done = set(JobOutput.objects.filter(job=locked, attempt=locked.attempt, kind=OutputKind.PART)
                       .values_list("index", flat=True))
            missing = [i for i in range(1, locked.parts_total + 1) if i not in done]
            what = "parts" if missing else "finish"
            for index in missing:
                if ("render_job_part", (locked.pk, locked.attempt, index)) not in queued:
                    enqueue_after_commit("verwerker.production.tasks.render_job_part", locked.pk, locked.attempt, index)
            if not missing and ("finish_job_production", (locked.pk, locked.attempt)) not in queued:
                enqueue_after_commit("verwerker.production.tasks.finish_job_production", locked.pk, locked.attempt)
        do_record_event(EventType.JOB_PRODUCTION_RESUMED, actor=actor, client_id=locked.client_id, obj=locked,
                        details={"state": locked.state, "attempt": locked.attempt, "enqueued": what, "parts": missing})
    return what
