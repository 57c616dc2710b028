"""Delivering actions: the client's proof, then the print parts to a print station's hot folder or
to an EU/EEA subprocessor over SFTP (P21, P22)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType
from verwerker.clients.eea import is_eea
from verwerker.clients.queries import get_active_agreement
from verwerker.production import engine
from verwerker.production.actions.common import _refuse, _step
from verwerker.production.actions.producing import _deliver_later
from verwerker.production.later import enqueue_after_commit
from verwerker.production.models import Job, JobOutput, OutputKind, PrintStation
from verwerker.production.workflow import JobState, StepRefused, check_step
from verwerker.vault.actions import do_shred_blobs, open_blob_reader
from verwerker.vault.models import DeletionReason, ReadPurpose


def do_approve_proof(job: Job, *, actor: Actor) -> Job:
    """The client approves the proof (a client user of the job's client); delivery follows as a task."""
    job = _step(job, "approve_proof", actor=actor)
    _deliver_later(job)
    return job


def do_reject_proof(job: Job, *, actor: Actor, reason: str = "", note: str = "") -> Job:
    """The client rejects the proof: the outputs are shredded and the job goes back to drafting.

    ``reason`` is a code for the audit log; ``note`` is the client's own words, kept on the job for the
    database department (the audit log records only that a note was given).
    """

    note = note.strip()[:2000]
    job = _step(job, "reject_proof", actor=actor, update={
        "approved_by": None, "approved_at": None, "proof_rejection_note": note, "proof_rejected_at": timezone.now()},
        details={"reason": reason[:200], "note_given": bool(note)})
    do_shred_blobs(list(JobOutput.objects.filter(job=job).values_list("blob_id", flat=True)), actor=actor,
                   reason=DeletionReason.PROOF_REJECTED)
    return job


def delivery_refusal(job: Job) -> str | None:
    """Why this job may not go to its subprocessor (P21, P22), or None when it may."""

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
    from verwerker.production.queries import visible_outputs  # local: same layer or upward, a cycle at the top

    return list(visible_outputs(job).filter(kind=OutputKind.PART).order_by("index"))


def _write_hot_folder(job: Job, station: PrintStation) -> list[str]:
    """Write the print parts into the station's hot folder: a hidden .partial file, then an atomic rename.

    The RIP sees a file only once it is complete. These are plaintext print files: they exist only
    here, only until the operator confirms printing (then do_close_job removes them).
    """
    return _write_files(station, [(job.part_name(output.index), output.blob_id) for output in _print_parts(job)])


def _write_files(station: PrintStation, files: list[tuple[str, object]]) -> list[str]:
    folder = Path(station.hot_folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    partial = None
    try:
        for name, blob_id in files:
            final = folder / name
            partial = folder / f".{final.name}.partial"
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            with os.fdopen(fd, "wb") as out, open_blob_reader(blob_id, actor=Actor.system("delivery"),  # type: ignore[arg-type]
                                                              purpose=ReadPurpose.DELIVERY) as reader:
                for chunk in reader.iter_chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, final)
            written.append(str(final))
            partial = None
    except BaseException:
        # Nothing records files of a delivery that did not happen, so nothing would remove them later:
        # plaintext print files must not stay behind in the hot folder (P14).
        _remove_files([*written, *([str(partial)] if partial is not None else [])])
        raise
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
            reason = format_lazy(  # type: ignore[assignment]
                _("{name} has no SFTP target (host, user, pinned host key, credential) set"), name=job.subprocessor.name
            )
    elif not job.station.active:  # type: ignore[union-attr]
        reason = format_lazy(_("print station {name} is not active"), name=job.station.name)  # type: ignore[assignment, union-attr]
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
    written = _write_hot_folder(job, job.station)  # type: ignore[arg-type]
    try:
        return _step(
            job,
            "deliver",
            actor=actor,
            update={
                "delivered_files": written,
                "delivery_target": f"station:{job.station.name}",  # type: ignore[union-attr]
                "delivered_at": timezone.now(),
            },
            details={"target": f"print station {job.station.pk}", "files": len(written)},  # type: ignore[union-attr]
        )
    except StepRefused:
        _remove_files(written)
        raise


def _push_to_subprocessor(job: Job, *, actor: Actor) -> Job:
    """Stream the print parts from the vault into the subprocessor's SFTP target (host key pinned),
    then take the deliver step. A failed push is audited as a refusal and leaves the job produced."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.sftp_push import Pusher, PushError, Target

    sub = job.subprocessor
    target = Target.of(sub)
    reader_actor = Actor.system("delivery")
    sent: list[tuple[str, int]] = []
    try:
        with Pusher(target) as pusher:
            for output in _print_parts(job):
                name = job.part_name(output.index)
                with open_blob_reader(output.blob_id, actor=reader_actor, purpose=ReadPurpose.DELIVERY) as reader:
                    sent.append((name, pusher.put(name, reader.iter_chunks())))
            def recheck(locked: Job) -> None:  # the conditions may have changed while the files went out
                reason = delivery_refusal(locked)
                if reason:
                    raise StepRefused("deliver", reason, "target")

            try:
                return _step(job, "deliver", actor=actor, gates=recheck, update={
                    "delivered_files": [], "delivery_target": f"subprocessor:{sub.name}"[:200],  # type: ignore[union-attr]
                    "delivered_at": timezone.now()},
                    details={"target": sub.sftp_target_label(), "subprocessor": sub.pk, "host_key": sub.sftp_host_key,  # type: ignore[union-attr]
                             "files": [n for n, _ in sent], "bytes": sum(b for _, b in sent)})
            except StepRefused:
                pusher.remove([n for n, _ in sent])
                raise
    except PushError as exc:
        refused = StepRefused(
            "deliver", format_lazy(_("push to {name} failed: {error}"), name=sub.name, error=exc), "push"  # type: ignore[union-attr]
        )
        _refuse(job, "deliver", refused, actor)
        raise refused from None


def do_deliver_produced_job(job_id: int, *, actor: Actor) -> bool:
    """Deliver a job that is (still) produced or proof-approved: the delivery task's one action. A
    refusal is audited by do_deliver_job and leaves the job produced; False then, and for a job that
    moved on (delivered already, cancelled)."""
    job = Job.objects.get(pk=job_id)
    if job.state not in (JobState.PRODUCED, JobState.PROOF_APPROVED):
        return False
    try:
        do_deliver_job(job, actor=actor)
    except StepRefused:
        return False
    return True


# -- reprint of spoiled pieces (before the final confirmation) ----------------------------------------


def do_record_spoilage(job: Job, *, ranges: str, user, actor: Actor) -> Job:
    """The print operator records spoiled pieces (sequence ranges such as "12-15, 40") of a job in the
    station's hot folder; a reprint part for exactly those records follows as a task.

    Raises StepRefused for a job not delivered to a station, a reprint still being made, or ranges
    outside the job (audited).
    """
    def gate(locked: Job) -> None:
        if not user.has_perm("production.confirm_printing"):
            raise StepRefused("reprint", _("only a print operator can record spoiled pieces"), "rights")
        if locked.station_id is None:
            raise StepRefused("reprint", _("only a job printed in house can be reprinted here"), "target")
        if (
            locked.reprints
            > JobOutput.objects.filter(job=locked, attempt=locked.attempt, kind=OutputKind.REPRINT).count()
        ):
            raise StepRefused("reprint", _("the previous reprint is still being made"), "reprint")
        try:
            spans.extend(engine.parse_ranges(ranges, highest=locked.records_out or 0))
        except engine.EngineError as exc:
            raise StepRefused("reprint", str(exc), "ranges") from None

    spans: list[list[int]] = []
    job = _step(job, "reprint", actor=actor, gates=gate, update=lambda locked: {
        "spoiled": [*locked.spoiled, {"reprint": locked.reprints + 1, "ranges": spans}],
        "reprints": locked.reprints + 1},
        within=lambda locked: {"number": locked.reprints, "ranges": spans,
                               "pieces": len(engine.range_seqs(spans))})
    do_record_event(EventType.JOB_SPOILAGE_RECORDED, actor=actor, client_id=job.client_id, obj=job,
                    details={"number": job.reprints, "ranges": spans})
    enqueue_after_commit("verwerker.production.tasks.reprint_job", job.pk, job.reprints)
    return job


def do_deliver_reprint(job_id: int, number: int, *, actor: Actor) -> bool:
    """Render reprint ``number`` for exactly the spoiled records it was recorded for, store it (marked
    "herdruk" in its name and its DPart metadata), and put it in the station's hot folder the way the
    parts went. Idempotent: a reprint already made is skipped."""
    # local: same layer or upward, a cycle at the top
    from verwerker.production.actions.producing import _background, _store, _template, records_at

    job = Job.objects.select_related("template", "station").get(pk=job_id)
    if job.state != JobState.DELIVERED or job.station is None or number > job.reprints:
        return False
    if JobOutput.objects.filter(job=job, attempt=job.attempt, kind=OutputKind.REPRINT, index=number).exists():
        return False
    from verwerker.production.actions.producing import failure_reason  # local: same layer or upward, a cycle at the top

    try:
        spans = _reprint_spans(job, number)
        seqs = engine.range_seqs(spans)
        records = records_at(job, job.attempt, [seq - 1 for seq in seqs], actor=actor)
        part = engine.render_reprint(records, seqs, template=_template(job),
                                     background=_background(job), part_size=settings.JOB_PART_SIZE)
    except Exception as exc:  # noqa: BLE001 - the operator must not be left waiting for a reprint that never comes
        _withdraw_reprint(job, number, failure_reason(exc), actor=actor)
        return False
    del records
    output = _store(job, OutputKind.REPRINT, number, part.pdf, attempt=job.attempt, actor=actor, pages=part.pages,
                    name=job.reprint_name(number))
    written = _write_files(job.station, [(job.reprint_name(number), output.blob_id)])

    def write(locked: Job) -> dict:
        output.save(force_insert=True)
        return {"number": number, "file": job.reprint_name(number), "records": part.records, "pages": part.pages}

    try:
        _step(job, "reprint", actor=actor, within=write,
              update=lambda locked: {"delivered_files": [*locked.delivered_files, *written]})
    except (StepRefused, IntegrityError):
        _remove_files(written)
        from verwerker.vault.actions import do_shred_blobs

        do_shred_blobs([output.blob_id], actor=actor, reason=DeletionReason.ATTEMPT_SUPERSEDED)
        return False
    return True


def _withdraw_reprint(job: Job, number: int, reason: str, *, actor: Actor) -> None:
    """A reprint that could not be made is withdrawn (audited as a refused step with its reason), so
    the operator can record the spoiled pieces again or confirm; nothing waits for it any longer."""

    with transaction.atomic():
        Job.objects.filter(pk=job.pk, reprints=number).update(
            reprints=number - 1, spoiled=[e for e in job.spoiled if e["reprint"] != number])
    _refuse(
        job,
        "reprint",
        StepRefused(
            "reprint",
            format_lazy(_("reprint {number} could not be made: {reason}"), number=number, reason=reason),
            "render",
        ),
        actor,
    )


def _reprint_spans(job: Job, number: int) -> list[list[int]]:
    for entry in job.spoiled:
        if entry["reprint"] == number:
            return entry["ranges"]
    raise ValueError(f"job {job.pk}: no spoiled pieces recorded for reprint {number}")


def _remove_files(paths) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

