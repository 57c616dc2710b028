"""Tasks of the production app: ids in, exactly one action each, idempotent (a rerun after a killed
worker is safe: the recovery sweep reclaims the task or enqueues it again)."""

from django_tasks import task

from verwerker.audit.actors import Actor
from verwerker.production import actions

ACTOR = Actor.system("production")


@task()
def produce_job(job_id: int) -> int:
    """Start a production attempt of a released job: prepare its records and enqueue its part tasks."""
    return actions.do_prepare_production(job_id, actor=ACTOR)


@task()
def render_job_part(job_id: int, attempt: int, index: int) -> bool:
    """Render one part of one attempt into the vault; the last part enqueues the finish."""
    return actions.do_render_part(job_id, attempt, index, actor=ACTOR)


@task()
def finish_job_production(job_id: int, attempt: int) -> bool:
    """Manifest, proof and the state change of a job whose parts all landed, in one transaction."""
    return actions.do_finish_production(job_id, attempt, actor=ACTOR)


@task()
def reprint_job(job_id: int, number: int) -> bool:
    """Render reprint ``number`` (the spoiled pieces) and put it in the station's hot folder."""
    return actions.do_deliver_reprint(job_id, number, actor=Actor.system("delivery"))


@task()
def deliver_job(job_id: int) -> bool:
    """Deliver a produced job to its target; a refusal is audited by the action and leaves the job produced."""
    return actions.do_deliver_produced_job(job_id, actor=Actor.system("delivery"))
