"""Tasks of the intake app."""

from django_tasks import task

from verwerker.audit.actors import Actor
from verwerker.intake.actions import do_receive_upload


@task()
def record_upload_received(upload_id: int) -> bool:
    """Record a completed upload as received and hand it to datafiles (which enqueues profiling).

    Idempotent: registration returns the existing data file on a rerun. True if a data file exists.
    """
    return do_receive_upload(upload_id, actor=Actor.system("intake")) is not None
