"""Tasks of the intake app."""

from django_tasks import task

from verwerker.intake.actions import do_record_upload_received


@task()
def record_upload_received(upload_id: int) -> bool:
    """Record a completed upload as received and register it as a data file (which enqueues profiling).

    Idempotent: registration returns the existing data file on a rerun.
    """
    from verwerker.audit.actors import Actor
    from verwerker.datafiles.actions import DataFileRefused, do_register_data_file
    from verwerker.intake.models import Upload, UploadState

    recorded = do_record_upload_received(upload_id)
    upload = Upload.objects.filter(pk=upload_id, state=UploadState.COMPLETED).first()
    if upload is not None:
        try:
            do_register_data_file(upload, actor=Actor.system("intake"))
        except DataFileRefused:
            pass  # audited by the action; the retention purge deletes the upload
    return recorded
