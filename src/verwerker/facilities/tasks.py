"""Periodic work of the house's registers (scheduled in runtime/schedule.py)."""

from django_tasks import task


@task()
def remind_workstation_checks() -> int:
    """E-mail the responsible person of each workstation whose monthly check is due (once per due date)."""
    # local: same layer or upward, a cycle at the top
    from verwerker.facilities.actions import do_remind_workstation_checks

    return do_remind_workstation_checks()
