from django_tasks import task

from verwerker.audit.actions import do_verify_chain
from verwerker.audit.actors import Actor
from verwerker.audit.feed import do_feed_log_readers


@task()
def verify_audit_chain() -> dict:
    """Daily self-check of the audit chain; the result is kept and itself audited. Idempotent."""
    result = do_verify_chain(actor=Actor.system("scheduler"))
    return {"ok": result.ok, "events": result.events, "first_bad_seq": result.first_bad_seq}


@task()
def feed_log_readers() -> dict:
    """Hand new audit events to their readers (notifications, webhooks); idempotent: the cursors move
    with what the readers record, in one transaction (audit/feed.py). Returns how many each made."""
    return {name: len(made) for name, made in do_feed_log_readers().items()}
