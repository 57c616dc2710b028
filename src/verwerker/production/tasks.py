"""Tasks of the production app: ids in, one step each, idempotent (a rerun after a killed worker is safe)."""

from django_tasks import task


@task()
def produce_job(job_id: int) -> int:
    """Start a production attempt of a released job: prepare its records and enqueue its part tasks."""
    from verwerker.production.run import prepare_job

    return prepare_job(job_id)


@task()
def render_job_part(job_id: int, attempt: int, index: int) -> bool:
    """Render one part of one attempt into the vault; the last part finishes the job."""
    from verwerker.production.run import render_part

    return render_part(job_id, attempt, index)


@task()
def deliver_job(job_id: int) -> bool:
    """Deliver a produced job to its target; a refusal is audited by the action and leaves the job produced."""
    from verwerker.audit.actors import Actor
    from verwerker.production.actions import do_deliver_job
    from verwerker.production.models import Job
    from verwerker.production.workflow import JobState, StepRefused

    job = Job.objects.get(pk=job_id)
    if job.state not in (JobState.PRODUCED, JobState.PROOF_APPROVED):
        return False
    try:
        do_deliver_job(job, actor=Actor.system("delivery"))
    except StepRefused:
        return False
    return True
