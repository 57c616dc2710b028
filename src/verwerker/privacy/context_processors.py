from verwerker.privacy.queries import is_privacy_officer, open_notice_deadlines


def breach_clock(request):
    """The countdown the privacy officer sees on every page: clients still to notify, nearest first."""
    user = getattr(request, "user", None)
    if user is None or not is_privacy_officer(user) or not user.is_verified():
        return {}
    return {"breach_deadlines": open_notice_deadlines()}
