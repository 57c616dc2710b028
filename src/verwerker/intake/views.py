"""Web intake: a client user's upload page, the privacy officer's view of SFTP bans, and the relation
manager's management of a client's SFTP account (its section on the client's page)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.csrf import csrf_failure
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from verwerker.accounts.views import _secret_page
from verwerker.audit.actors import Actor
from verwerker.clients.queries import access_client_for
from verwerker.intake.actions import (
    do_disable_password_login,
    do_issue_sftp_account,
    do_lift_ban,
    do_remove_public_key,
    do_set_allowed_networks,
    do_set_public_key,
)
from verwerker.intake.forms import NetworksForm, PublicKeyForm
from verwerker.intake.models import Ban, UploadState
from verwerker.intake.queries import (
    access_sftp_account_for,
    access_upload_for,
    list_bans,
    list_uploads_for_client,
    quota_used,
)
from verwerker.intake.uploadhandler import VaultUploadHandler
from verwerker.lists.listing import Filter, Listing, apply_listing


@csrf_exempt  # Django's check reads the body, which runs the vault handler: checked by _cross_site first
@login_required
def uploads(request):
    """A client user's uploads, and the form to upload one more (streamed into the vault)."""
    if not request.user.is_client_user:
        raise Http404("uploads belong to a client")
    if request.method == "POST":
        refused = _cross_site(request)
        if refused is not None:
            return refused
        handler = VaultUploadHandler(request)
        request.upload_handlers = [handler]
        return _receive(request, handler)
    return _page(request)


def _cross_site(request) -> HttpResponse | None:
    """Refuse a forged upload before a byte of its body is read (the 403 response), else None.

    The request must say where it comes from (Origin, or failing that Referer, of this site or a
    trusted origin) and carry the CSRF token in the X-CSRFToken header or the ``csrfmiddlewaretoken``
    query parameter: the body may not be read for it, as reading it stores the file.
    """
    if getattr(request, "_dont_enforce_csrf_checks", False):  # Django's test client, as for the middleware
        return None
    origin = request.META.get("HTTP_ORIGIN") or _origin_of(request.META.get("HTTP_REFERER", ""))
    if origin not in {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}:
        return csrf_failure(request, reason="the upload does not come from this site (Origin/Referer)")
    header = settings.CSRF_HEADER_NAME
    if not request.META.get(header) and request.GET.get("csrfmiddlewaretoken"):
        request.META[header] = request.GET["csrfmiddlewaretoken"]
    # An empty POST stands in for the body while Django's middleware checks the token from the header.
    request._post, request._files = QueryDict(), MultiValueDict()
    try:
        return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})  # type: ignore[arg-type]
    finally:
        del request._post, request._files


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _receive(request, handler):
    """Answer an upload: JSON for the page's script (one file per request, with its own message), or a
    redirect with a message for a plain form post."""
    received = request.FILES.get("file")
    name = getattr(handler, "file_name", None) or (received.name if received is not None else "")
    if handler.refusal is not None:
        ok, text = False, _("%(name)s was refused: %(reason)s") % {"name": name, "reason": handler.refusal}
    elif received is None:
        ok, text = False, _("Choose a file to upload.")
    else:
        ok, text = True, _("%(name)s was received.") % {"name": received.name}
    if request.headers.get("x-requested-with") == "XMLHttpRequest":
        return JsonResponse({"ok": ok, "name": name, "message": text}, status=201 if ok else 422)
    # Without the page's script several chosen files come in one request: each gets its line.
    for earlier in request.FILES.getlist("file")[:-1]:
        messages.success(request, _("%(name)s was received.") % {"name": earlier.name})
    (messages.success if ok else messages.error)(request, text)
    return redirect("intake:uploads")


UPLOADS = Listing(
    sorts={"name": "name", "channel": "channel", "state": "state", "size": "size", "started": "started_at",
           "received": "received_at"},
    default_sort="-started", search=("name",), date_field="started_at",
    filters=(Filter("state", "state", gettext_lazy("Status"), lambda: UploadState.choices),),
)


def _page(request):
    client_id = request.user.client_id
    found = apply_listing(request, list_uploads_for_client(client_id), UPLOADS)
    quota = settings.UPLOAD_QUOTA_MB * 1024 * 1024
    used = quota_used(client_id)
    return render(
        request,
        "intake/uploads.html",
        {
            "uploads": found.page,
            "list": found,
            "extensions": ", ".join(settings.UPLOAD_EXTENSIONS),
            "extension_list": ",".join(settings.UPLOAD_EXTENSIONS),
            "accept": ",".join(f".{e}" for e in settings.UPLOAD_EXTENSIONS),
            "max_mb": settings.UPLOAD_MAX_MB,
            "max_bytes": settings.UPLOAD_MAX_MB * 1024 * 1024,
            "quota_bytes": quota,
            "quota_left": max(quota - used, 0),
            "quota_used": used,
        },
    )


@login_required
def upload_detail(request, upload_id: int):
    upload = access_upload_for(request.user, upload_id)
    return render(request, "intake/upload_detail.html", {"upload": upload})


@login_required
@permission_required("intake.view_ban", raise_exception=True)
def bans(request):
    found = apply_listing(request, list_bans(include_past=request.GET.get("all") == "1"), BANS)
    return render(request, "intake/bans.html", {"bans": found.page, "list": found})


# Bans are found by the address, the SFTP account or its client.
BANS = Listing(
    sorts={"scope": "scope", "failures": "failures", "banned": "banned_at", "until": "until", "lifted": "lifted_at"},
    default_sort="-banned", search=("address", "account__username", "account__client__name"), date_field="banned_at",
)


@login_required
@require_POST
def lift_ban(request, ban_id: int):
    if not request.user.has_perm("intake.change_ban"):
        raise PermissionDenied
    ban = get_object_or_404(Ban, pk=ban_id)
    try:
        do_lift_ban(ban, actor=Actor.from_request(request))
        messages.success(request, _("The ban was lifted."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("intake:bans")


# -- a client's SFTP account (relation manager; shown on the client's page) ------------------------


def _back(client_id: int):
    return redirect(f"/klanten/{client_id}/#sftp")


@login_required
@require_POST
def sftp_issue(request, client_id: int):
    """Issue or re-issue the account: the one-time password is shown on the answer, once (P13)."""

    if request.user.is_client_user or not request.user.has_perm("intake.add_sftpaccount"):
        raise PermissionDenied
    client = access_client_for(request.user, client_id)
    try:
        account, password = do_issue_sftp_account(client, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return _back(client.pk)

    return _secret_page(request, title=_("SFTP account of %(client)s") % {"client": client.name},
                        username=account.username, password=password, back=f"/klanten/{client.pk}/#sftp")  # type: ignore[arg-type]


def _account_action(request, client_id: int, act):
    if request.user.is_client_user or not request.user.has_perm("intake.change_sftpaccount"):
        raise PermissionDenied
    account = access_sftp_account_for(request.user, client_id)
    try:
        messages.success(request, act(account, Actor.from_request(request)))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return _back(account.client_id)


@login_required
@require_POST
def sftp_add_key(request, client_id: int):
    form = PublicKeyForm(request.POST)

    def act(account, actor):
        if not form.is_valid():
            raise ValidationError(_("Paste a public key."))
        do_set_public_key(account, form.cleaned_data["public_key"], actor=actor)
        return _("The key was added.")

    return _account_action(request, client_id, act)


@login_required
@require_POST
def sftp_remove_key(request, client_id: int):
    def act(account, actor):
        do_remove_public_key(account, request.POST.get("fingerprint", ""), actor=actor)
        return _("The key was removed.")

    return _account_action(request, client_id, act)


@login_required
@require_POST
def sftp_disable_password(request, client_id: int):
    def act(account, actor):
        if not account.key_lines:
            raise ValidationError(_("Add a public key first: without a password or a key nobody can log in."))
        do_disable_password_login(account, actor=actor)
        return _("Password login is off; only keys work.")

    return _account_action(request, client_id, act)


@login_required
@require_POST
def sftp_networks(request, client_id: int):
    form = NetworksForm(request.POST)

    def act(account, actor):
        form.is_valid()
        do_set_allowed_networks(account, form.cleaned_data.get("networks", ""), actor=actor)
        return _("The allowed networks were saved.")

    return _account_action(request, client_id, act)
