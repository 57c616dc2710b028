"""Tasks of the intake app."""

from django_tasks import task

from verwerker.intake.actions import do_record_upload_received


@task()
def record_upload_received(upload_id: int) -> bool:
    """Record a completed upload as received (the datafiles issue replaces this with profiling). Idempotent."""
    return do_record_upload_received(upload_id)
