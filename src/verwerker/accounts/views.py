"""Login with a second factor, password change, and the two home rooms."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.actions import do_change_password, do_confirm_otp_device
from verwerker.accounts.forms import TokenForm
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def otp(request):
    """Second step: enrol a TOTP device on first login, else check a code from it.

    Staff must; a client user may enrol here on their own, and must when their client requires it.
    """
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = TokenForm(request.POST or None)
    device = None
    if not confirmed:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=False
        )
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        if device is not None:
            verified = device.verify_token(token)
            if verified:
                do_confirm_otp_device(device, actor=Actor.from_request(request))
        else:
            device = match_token(user, token)
            verified = device is not None
        if verified:
            otp_login(request, device)
            do_record_event(EventType.OTP_VERIFIED, actor=Actor.from_request(request), obj=user)
            return redirect(_next_url(request))
        do_record_event(
            EventType.OTP_FAILED, actor=Actor.from_request(request), obj=user, outcome=Outcome.FAILURE
        )
        form.add_error("token", _("That code is not valid. Try the current code."))
    context = {"form": form, "enrol": not confirmed, "next": _next_url(request, "")}
    if not confirmed:
        context["otp_uri"] = device.config_url
        context["otp_qr"] = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return render(request, "accounts/otp.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        do_change_password(
            self.request.user, form.cleaned_data["new_password1"], actor=Actor.from_request(self.request)
        )
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return redirect(_next_url(self.request))


@login_required
def home(request):
    """Staff home or client home: the rooms later issues fill."""
    if request.user.is_client_user:
        from verwerker.clients.queries import list_agreements_for_client

        return render(
            request,
            "accounts/client_home.html",
            {"client": request.user.client, "agreements": list_agreements_for_client(request.user.client)},
        )
    return render(request, "accounts/staff_home.html")
