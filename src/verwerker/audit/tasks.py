from django_tasks import task

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.audit.queries import verify_chain


@task()
def verify_audit_chain() -> dict:
    """Daily self-check of the audit chain; the result is kept and itself audited. Idempotent."""
    result = verify_chain()
    result.save()
    do_record_event(
        EventType.AUDIT_VERIFIED,
        actor=Actor.system("scheduler"),
        outcome=Outcome.SUCCESS if result.ok else Outcome.FAILURE,
        details={"events": result.events, "first_bad_seq": result.first_bad_seq},
    )
    return {"ok": result.ok, "events": result.events, "first_bad_seq": result.first_bad_seq}
