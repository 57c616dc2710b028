"""Login with a second factor, password change, and the two home rooms."""

from __future__ import annotations

import base64
import datetime as dt

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from verwerker.accounts.actions import (
    do_change_password,
    do_confirm_otp_device,
    do_create_staff_user,
    do_deactivate_user,
    do_reactivate_user,
    do_reset_second_factor,
    do_set_roles,
)
from verwerker.accounts.forms import RolesForm, StaffUserForm, TokenForm
from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.lists.listing import Listing, apply_listing


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _throttled_until(user, device) -> dt.datetime | None:
    """When django-otp's throttle lets the user try a code again, if it is holding them back now."""
    devices = [device] if device is not None else list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not devices:
        return None
    until = []
    for candidate in devices:
        allowed, info = candidate.verify_is_allowed()
        if allowed:
            return None
        until.append((info or {}).get("locked_until") or timezone.now())
    return max(until)


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
    waiting = _throttled_until(user, device)
    if request.method == "POST" and waiting is not None:
        # django-otp refuses every code, also the right one, until the throttle ends: say so (issue 17).
        form.is_valid()
        form.add_error("token", _(
            "Too many wrong codes. Wait until %(time)s, then enter the code your app shows at that moment."
        ) % {"time": date_format(timezone.localtime(waiting), "TIME_FORMAT")})
    elif request.method == "POST" and form.is_valid():
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
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")  # type: ignore[union-attr]
        context["otp_secret"] = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
        context["otp_qr"] = segno.make(device.config_url, error="m").svg_inline(scale=4)  # type: ignore[union-attr]
    return render(request, "accounts/otp.html", context)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        do_change_password(
            self.request.user, form.cleaned_data["new_password1"], actor=Actor.from_request(self.request)  # type: ignore[arg-type]
        )
        update_session_auth_hash(self.request, self.request.user)  # type: ignore[arg-type]
        messages.success(self.request, _("Your password has been changed."))
        return redirect(_next_url(self.request))


@login_required
def home(request):
    """Each person's work: per role for staff, proofs, reports, certificates and notices for a client user."""
    # The work lists come from every app; accounts sits below them, so they are imported here.
    # local: same layer or upward, a cycle at the top
    from verwerker.notifications.work import client_sections, home_sections

    if request.user.is_client_user:
        from verwerker.accounts.queries import has_second_factor  # local: same layer or upward, a cycle at the top

        # local: same layer or upward, a cycle at the top
        from verwerker.clients.queries import list_agreements_for_client

        return render(
            request,
            "accounts/client_home.html",
            {"client": request.user.client, "agreements": list_agreements_for_client(request.user.client),
             "has_second_factor": has_second_factor(request.user), **client_sections(request.user)},
        )
    return render(request, "accounts/staff_home.html", {"work": home_sections(request.user)})


# -- people (the administrator) ----------------------------------------------------------------------


def _secret_page(request, *, title: str, username: str, password: str, back: str):
    """Show a one-time password once: rendered in the answer to the POST, never stored, never cached."""
    response = render(request, "accounts/secret.html", {
        "title": title, "username": username, "password": password, "back": back,
    })
    response["Cache-Control"] = "no-store"
    return response


def _manage_staff(request) -> None:
    if not (request.user.is_staff and request.user.has_perm("accounts.manage_staff")):
        raise PermissionDenied


@login_required
def people(request):
    """Every account, with search and filters by role, state and client; the form for a new staff member."""
    _manage_staff(request)
    from verwerker.accounts.queries import list_users  # local: same layer or upward, a cycle at the top
    from verwerker.accounts.roles import Role  # local: same layer or upward, a cycle at the top
    from verwerker.clients.queries import list_clients  # local: same layer or upward, a cycle at the top

    filters = {k: request.GET.get(k, "").strip() for k in ("q", "role", "state", "client")}
    found = apply_listing(request, list_users(role=filters["role"], state=filters["state"],
                                              client_id=filters["client"] if filters["client"].isdigit() else None),
                          PEOPLE)
    users = list(found.page)
    for user in users:  # roles by the names people read, not their codes
        user.role_labels = [Role(g.name).label for g in user.groups.all() if g.name in Role.values]
    return render(request, "accounts/people.html", {
        "users": users, "list": found, "filters": filters, "roles": Role.choices, "clients": list_clients(),
        "form": StaffUserForm(),
    })


PEOPLE = Listing(sorts={"username": "username", "email": "email", "client": "client__name", "login": "last_login"},
                 default_sort="username", search=("username", "email", "client__name"), per_page=50)


@login_required
@require_http_methods(["POST"])
def person_create(request):
    """Create a staff member with roles; the one-time password is shown on the answer, once."""
    _manage_staff(request)
    form = StaffUserForm(request.POST)
    if form.is_valid():
        try:
            user, password = do_create_staff_user(
                form.cleaned_data["username"], email=form.cleaned_data["email"], roles=form.cleaned_data["roles"],
                actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            return _secret_page(request, title=_("New staff member"), username=user.username, password=password,
                                back=reverse("accounts:person", args=[user.pk]))
    messages.error(request, "; ".join(f"{k}: {', '.join(v)}" if k != "__all__" else ", ".join(v)  # type: ignore[arg-type]
                                      for k, v in form.errors.items()))
    return redirect("accounts:people")


@login_required
def person_detail(request, user_id: int):
    """One account: roles, second factor, state, last login and failed attempts."""
    _manage_staff(request)
    # local: same layer or upward, a cycle at the top
    from verwerker.accounts.queries import access_user_for, failed_logins, has_second_factor

    person = access_user_for(request.user, user_id)
    roles = list(person.groups.values_list("name", flat=True))
    return render(request, "accounts/person.html", {
        "person": person, "roles_form": RolesForm(initial={"roles": roles}),
        "has_second_factor": has_second_factor(person), "failed_logins": failed_logins(person.username),
    })


def _person_action(request, user_id: int, act) -> HttpResponse:
    _manage_staff(request)
    from verwerker.accounts.queries import access_user_for  # local: same layer or upward, a cycle at the top

    person = access_user_for(request.user, user_id)
    try:
        message = act(person, Actor.from_request(request))
        messages.success(request, message)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("accounts:person", user_id=person.pk)


@login_required
@require_http_methods(["POST"])
def person_roles(request, user_id: int):
    form = RolesForm(request.POST)

    def act(person, actor):
        if not form.is_valid():
            raise ValidationError(_("Choose at least one role."))
        do_set_roles(person, form.cleaned_data["roles"], actor=actor)
        return _("The roles were changed.")

    return _person_action(request, user_id, act)


@login_required
@require_http_methods(["POST"])
def person_reset_second_factor(request, user_id: int):
    def act(person, actor):
        do_reset_second_factor(person, actor=actor)
        return _("The second factor was reset: %(name)s enrols a new one at the next login.") % {
            "name": person.username
        }

    return _person_action(request, user_id, act)


@login_required
@require_http_methods(["POST"])
def person_deactivate(request, user_id: int):
    def act(person, actor):
        do_deactivate_user(person, actor=actor)
        return _("%(name)s can no longer log in.") % {"name": person.username}

    return _person_action(request, user_id, act)


@login_required
@require_http_methods(["POST"])
def person_reactivate(request, user_id: int):
    def act(person, actor):
        do_reactivate_user(person, actor=actor)
        return _("%(name)s can log in again.") % {"name": person.username}

    return _person_action(request, user_id, act)
