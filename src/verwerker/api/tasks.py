"""Tasks of the API app: deliver each webhook event (retried with backoff by the delivery itself). The
deliveries are made from the audit log by its reader (audit.tasks.feed_log_readers, api.actions.LOG_READER),
which enqueues them."""

from django_tasks import task

from verwerker.api.actions import do_deliver_webhook


@task()
def deliver_webhook(delivery_id: str) -> str:
    """Send one delivery; a failure schedules the next attempt itself (idempotent once delivered)."""
    return do_deliver_webhook(delivery_id)
