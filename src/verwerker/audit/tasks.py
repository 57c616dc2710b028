from django_tasks import task

from verwerker.audit.actions import do_verify_chain
from verwerker.audit.actors import Actor


@task()
def verify_audit_chain() -> dict:
    """Daily self-check of the audit chain; the result is kept and itself audited. Idempotent."""
    result = do_verify_chain(actor=Actor.system("scheduler"))
    return {"ok": result.ok, "events": result.events, "first_bad_seq": result.first_bad_seq}
