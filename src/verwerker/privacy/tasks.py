from django_tasks import task

from verwerker.privacy.actions import do_escalate_breaches


@task()
def escalate_breaches() -> int:
    """Send due breach-deadline escalations (idempotent: each point once)."""
    return do_escalate_breaches()
