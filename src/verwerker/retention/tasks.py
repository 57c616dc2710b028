from django_tasks import task

from verwerker.audit.actors import Actor
from verwerker.retention.purge import run_purge


@task()
def purge() -> dict:
    """The scheduled retention purge (hourly). Idempotent: a run finishes what an interrupted one left."""
    result = run_purge(actor=Actor.system("scheduler purge"))
    return {"purged": result["purged"], "held": result["held"]}
