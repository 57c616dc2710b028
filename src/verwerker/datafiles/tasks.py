"""Tasks of the datafiles app."""

from django_tasks import task

from verwerker.audit.actors import Actor


@task()
def profile_data_file(data_file_id: int) -> str:
    """Profile one received data file (vault -> memory -> profile). Idempotent; returns the new state."""
    from verwerker.datafiles.actions import do_profile_data_file  # local: same layer or upward, a cycle at the top

    return do_profile_data_file(data_file_id, actor=Actor.system("datafiles")).state
