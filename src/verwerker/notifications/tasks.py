from django_tasks import task

from verwerker.notifications.actions import do_notify_now


@task()
def dispatch_notifications() -> int:
    """Tell people about new events (in the app and by e-mail); idempotent: the cursor and a unique key."""
    return do_notify_now()
