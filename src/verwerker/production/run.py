"""Production of a released job as tasks: prepare once, render each part as its own task, finish.

Threat model: the prepared records and every output are personal data; they go only into the vault
(encrypted), never to a file. Outputs are bound to a production *attempt*: a part written by a worker
that was killed, or by an attempt that was superseded, is never visible (queries.visible_outputs
shows only the attempt that finished) and is shredded when the next attempt starts.

Transactions: each part commits its vault blobs first and then, in one transaction, its JobOutput
rows and the job's part counter (select_for_update); the task that completes the count finishes
the job. Any worker on any host can take any part (django-tasks-db hands each task to one worker).
"""

from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.production.models import Job, JobOutput, OutputKind, Template
from verwerker.production.workflow import JobState, StepRefused

ACTOR = Actor.system("production")
CHUNK = 400


def template_path(template: Template) -> Path:
    """The template's source as a file Typst can compile (templates hold no personal data)."""
    digest = hashlib.sha256(template.source.encode("utf-8")).hexdigest()[:16]
    folder = Path(settings.DATA_DIR) / "templates" / digest
    path = folder / "template.typ"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / ".template.typ.partial"
        tmp.write_text(template.source, encoding="utf-8")
        tmp.replace(path)
    return path


def _read_frame(blob_id, name: str, dropped: list[str]) -> pl.DataFrame:
    from verwerker.datafiles.read import read_table
    from verwerker.vault.actions import read_blob_bytes

    frame = read_table(read_blob_bytes(blob_id, actor=ACTOR, purpose="production"), name=name).frame
    keep = [c for c in frame.columns if c not in dropped]
    return frame.select(keep)


def _store(job: Job, kind: str, index: int, data: bytes, *, pages: int | None = None, name: str = "") -> JobOutput:
    from verwerker.vault.actions import do_store_blob

    purpose = {"part": "print_output", "rejects": "reject_report", "manifest": "manifest",
               "manifest_part": "manifest", "proof": "print_output"}.get(kind, "intermediate")
    blob = do_store_blob(data, client=job.client_id, purpose=purpose, name=name or f"job-{job.pk}-{kind}-{index}", actor=ACTOR)
    return JobOutput(job=job, attempt=job.attempt, kind=kind, index=index, blob=blob, pages=pages)


def _options(job: Job):
    from verwerker.production.pipeline import MergeOptions

    return MergeOptions(dedupe=job.dedupe, part_size=settings.JOB_PART_SIZE, chunk_size=CHUNK, workers=1)


def prepare_job(job_id: int) -> int:
    """Start an attempt and do everything before rendering: records in postal order (vault), reject
    report; then enqueue one render task per part. Returns the number of parts."""
    from verwerker.production.actions import do_fail_production, do_start_production
    from verwerker.production.pipeline import prepare, rejects_csv
    from verwerker.production.render import Template as TypstTemplate
    from verwerker.production.render import check_template
    from verwerker.production.tasks import render_job_part

    job = Job.objects.get(pk=job_id)
    if job.state not in (JobState.RELEASED, JobState.PRODUCING):
        return 0
    try:
        job = do_start_production(job, actor=ACTOR)
    except StepRefused:  # audited by the action (a job whose agreement ended is stopped there)
        return 0
    try:
        check_template(TypstTemplate(template_path(job.template)))
        frame = _read_frame(job.data_file.blob_id, job.data_file.name, job.dropped_columns)
        suppression = [
            (f"list-{f.pk}", _read_frame(f.blob_id, f.name, []), {c: k for c, k in f.column_kinds.items()})
            for f in job.suppression_files.all()
        ]
        records, rejects = prepare(frame, job.mapping, options=_options(job), suppression=suppression)
    except Exception as exc:  # one line, no record data: the engine's errors are written that way
        message = str(exc).splitlines()[0] if isinstance(exc, ValueError) and str(exc) else type(exc).__name__
        do_fail_production(job, error=message, actor=ACTOR)
        return 0
    buffer = io.BytesIO()
    records.write_ipc(buffer)
    outputs = [_store(job, OutputKind.RECORDS, 0, buffer.getvalue()),
               _store(job, OutputKind.REJECTS, 0, rejects_csv(rejects, frame), name=f"weigeringen-job-{job.pk}.csv")]
    per_part = max(1, settings.JOB_PART_SIZE // CHUNK) * CHUNK
    parts = math.ceil(records.height / per_part)
    with transaction.atomic():
        JobOutput.objects.bulk_create(outputs)
        Job.objects.filter(pk=job.pk, attempt=job.attempt).update(
            parts_total=parts, records_in=frame.height, records_out=records.height, rejects=len(rejects)
        )
        attempt = job.attempt
        if parts:
            transaction.on_commit(lambda: [render_job_part.enqueue(job_id, attempt, i) for i in range(1, parts + 1)])
    if not parts:
        finish_job(job_id, attempt)
    return parts


def _records(job: Job) -> pl.DataFrame:
    from verwerker.vault.actions import read_blob_bytes

    output = JobOutput.objects.get(job=job, attempt=job.attempt, kind=OutputKind.RECORDS)
    return pl.read_ipc(io.BytesIO(read_blob_bytes(output.blob_id, actor=ACTOR, purpose="production")))


def render_part(job_id: int, attempt: int, index: int) -> bool:
    """Render part ``index`` of an attempt into the vault; the last part to land finishes the job.

    Idempotent: a part already stored for this attempt, or an attempt no longer current, is skipped.
    """
    from verwerker.production.pdfvt import RecordInfo, assemble_part, load_background
    from verwerker.production.pipeline import ManifestRow, _letter_records, manifest_csv
    from verwerker.production.records import ROW
    from verwerker.production.render import Template as TypstTemplate
    from verwerker.production.render import render_chunks

    job = Job.objects.select_related("template").get(pk=job_id)
    if job.attempt != attempt or job.state != JobState.PRODUCING:
        return False
    if JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.PART, index=index).exists():
        return False
    per_part = max(1, settings.JOB_PART_SIZE // CHUNK) * CHUNK
    part = _records(job).slice((index - 1) * per_part, per_part)
    letters = _letter_records(part)

    def chunks():
        while chunk := [rec for _, rec in zip(range(CHUNK), letters)]:
            yield chunk

    template = TypstTemplate(template_path(job.template))
    meta = list(part.select("_seq", ROW, "_bundle", "_bundle_end", "_kix").iter_rows())
    infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b, _e, _k in meta]
    background = load_background(bytes(job.template.background) if job.template.background else None)
    result = assemble_part(render_chunks(template, chunks(), workers=1), infos, background=background)
    manifest = [ManifestRow(seq=s, row=r, part=index, first_page=f, pages=p, kix=k or "", bundle=b, bundle_end=e)
                for (s, r, b, e, k), f, p in zip(meta, result.first_pages, result.pages)]
    outputs = [_store(job, OutputKind.PART, index, result.pdf, pages=sum(result.pages), name=job.part_name(index)),
               _store(job, OutputKind.MANIFEST_PART, index, manifest_csv(manifest))]
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job_id)
        if locked.attempt != attempt or locked.state != JobState.PRODUCING:
            stale = [o.blob_id for o in outputs]
        else:
            stale = []
            JobOutput.objects.bulk_create(outputs)
            locked.parts_done = JobOutput.objects.filter(job=locked, attempt=attempt, kind=OutputKind.PART).count()
            locked.save(update_fields=["parts_done"])
            do_record_event(EventType.JOB_PART_RENDERED, actor=ACTOR, client_id=locked.client_id, obj=locked,
                            details={"attempt": attempt, "part": index, "records": len(infos), "pages": sum(result.pages)})
            done = locked.parts_done >= locked.parts_total
    if stale:
        from verwerker.vault.actions import do_shred_blobs

        do_shred_blobs(stale, actor=ACTOR, reason="attempt_superseded")
        return False
    if done:
        finish_job(job_id, attempt)
    return True


def finish_job(job_id: int, attempt: int) -> None:
    """Join the manifests, render the proof, mark the job produced and send the reject report out."""
    from verwerker.intake.actions import do_put_in_outbox
    from verwerker.production.actions import REJECTS_OUTBOX_PREFIX, do_finish_production
    from verwerker.production.pdfvt import RecordInfo, assemble_part, load_background
    from verwerker.production.pipeline import _letter_records, proof_sample
    from verwerker.production.records import ROW
    from verwerker.production.render import Template as TypstTemplate
    from verwerker.production.render import render_chunks
    from verwerker.vault.actions import read_blob_bytes

    job = Job.objects.get(pk=job_id)
    if job.attempt != attempt or job.state != JobState.PRODUCING:
        return
    if JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.MANIFEST).exists():
        return
    parts = JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.MANIFEST_PART).order_by("index")
    manifest = b""
    for i, output in enumerate(parts):
        text = read_blob_bytes(output.blob_id, actor=ACTOR, purpose="production")
        if i:  # drop the header (and BOM) of every part but the first
            text = text.split(b"\r\n", 1)[1]
        manifest += text
    outputs = [_store(job, OutputKind.MANIFEST, 0, manifest, name=f"manifest-job-{job.pk}.csv")]
    records = _records(job)
    pages = sum(JobOutput.objects.filter(job=job, attempt=attempt, kind=OutputKind.PART).values_list("pages", flat=True))
    if records.height:
        picked = records[proof_sample(records.height)]
        infos = [RecordInfo(seq=s, row=r, bundle=b) for s, r, b in picked.select("_seq", ROW, "_bundle").iter_rows()]
        background = load_background(bytes(job.template.background) if job.template.background else None)
        pdfs = render_chunks(TypstTemplate(template_path(job.template)), [list(_letter_records(picked))], workers=1, proof=True)
        outputs.append(_store(job, OutputKind.PROOF, 0, assemble_part(pdfs, infos, background=background, title="Verwerker proof").pdf,
                              name=f"proef-job-{job.pk}.pdf"))
    JobOutput.objects.bulk_create(outputs)
    try:
        do_finish_production(job, actor=ACTOR, records_in=job.records_in or 0, records_out=records.height,
                             pages=pages, rejects=job.rejects or 0)
    except StepRefused:  # audited by the action; the job's outputs are shredded when it is stopped
        return
    rejects = JobOutput.objects.get(job=job, attempt=attempt, kind=OutputKind.REJECTS)
    do_put_in_outbox(job.client, f"{REJECTS_OUTBOX_PREFIX}{job.pk}-{attempt}.csv", read_blob_bytes(rejects.blob_id, actor=ACTOR, purpose="production"),
                     actor=ACTOR, purpose="reject_report")
