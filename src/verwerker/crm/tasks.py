from django_tasks import task

from verwerker.audit.actors import Actor


@task()
def request_renewals() -> dict:
    """The daily re-permission run: one e-mail per consent about to lapse. Idempotent per consent."""
    from verwerker.crm.actions import do_request_renewals  # local: same layer or upward, a cycle at the top

    return {"sent": do_request_renewals(actor=Actor.system("scheduler consent renewals"))}
