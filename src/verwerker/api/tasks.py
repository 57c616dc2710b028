"""Tasks of the API app: collect webhook events from the audit log, deliver each one (retried with
backoff by the delivery itself)."""

from django_tasks import task

from verwerker.api.actions import do_collect_webhook_events, do_deliver_webhook


@task()
def collect_webhook_events() -> int:
    """Turn new audit events into deliveries and enqueue each (the scheduler runs this every minute;
    idempotent: the cursor moves with the deliveries in one transaction)."""
    made = do_collect_webhook_events()
    for delivery_id in made:
        deliver_webhook.enqueue(delivery_id)
    return len(made)


@task()
def deliver_webhook(delivery_id: str) -> str:
    """Send one delivery; a failure schedules the next attempt itself (idempotent once delivered)."""
    return do_deliver_webhook(delivery_id)
