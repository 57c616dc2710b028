from verwerker.notifications.queries import unread_count
from verwerker.notifications.work import count_waiting


def work_counts(request):
    """The header's two counts: work waiting for the user's roles, and unread notifications."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if user.is_staff and not user.is_verified():
        return {}
    if getattr(request, "resolver_match", None) is None:  # an error page: keep it free of queries
        return {}
    return {"work_waiting": count_waiting(user), "unread_notifications": unread_count(user)}
