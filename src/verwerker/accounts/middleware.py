"""Session rules that apply to every request of a logged-in user."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

# Paths a user may reach before passing the gate (second factor, forced password change).
_OPEN_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/")


class IdleTimeoutMiddleware:
    """End idle sessions: staff after VERWERKER_STAFF_IDLE_MINUTES, client users after the client limit.

    With SESSION_SAVE_EVERY_REQUEST the expiry moves forward on each request, so only idleness counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            minutes = settings.STAFF_IDLE_MINUTES if user.is_staff else settings.CLIENT_IDLE_MINUTES
            request.session.set_expiry(minutes * 60)
        return self.get_response(request)


class AccountGateMiddleware:
    """Staff, and client users who enrolled or whose client requires it, must pass the second factor (P12), and anyone flagged must change their password, first."""  # noqa: E501

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES):
            target = self._gate(request, user)
            if target and request.path != target:
                return redirect(f"{target}?next={request.path}") if request.method == "GET" else redirect(target)
        return self.get_response(request)

    @staticmethod
    def _gate(request, user) -> str | None:
        from verwerker.accounts.queries import second_factor_required  # local: same layer or upward, a cycle at the top

        if not user.is_verified() and second_factor_required(user):
            return reverse("accounts:otp")
        if user.must_change_password:
            return reverse("accounts:password_change")
        return None
