"""Delivering actions: the client's proof, then the print parts to a print station's hot folder or
to an EU/EEA subprocessor over SFTP (P21, P22)."""

from __future__ import annotations

import os
from pathlib import Path

from django.utils import timezone

from verwerker.audit.actors import Actor
from verwerker.clients.queries import get_active_agreement
from verwerker.production.actions.common import _refuse, _step
from verwerker.production.actions.producing import _deliver_later
from verwerker.production.models import Job, JobOutput, PrintStation
from verwerker.production.workflow import StepRefused, check_step
from verwerker.vault.models import DeletionReason, ReadPurpose


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
                   reason=DeletionReason.PROOF_REJECTED)
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
        with os.fdopen(fd, "wb") as out, open_blob_reader(output.blob_id, actor=Actor.system("delivery"),
                                                                  purpose=ReadPurpose.DELIVERY) as reader:
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
                with open_blob_reader(output.blob_id, actor=reader_actor, purpose=ReadPurpose.DELIVERY) as reader:
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

