"""Web intake: a client user's upload page, and the privacy officer's view of SFTP bans."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.intake.actions import do_lift_ban
from verwerker.intake.models import Ban
from verwerker.intake.queries import access_upload_for, list_bans, list_uploads_for_client
from verwerker.intake.uploadhandler import VaultUploadHandler


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
        return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
    finally:
        del request._post, request._files


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _receive(request, handler):
    received = request.FILES.get("file")
    if handler.refusal is not None:
        messages.error(request, _("The file was refused: %(reason)s") % {"reason": handler.refusal})
    elif received is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        messages.success(request, _("%(name)s was received.") % {"name": received.name})
    return redirect("intake:uploads")


def _page(request):
    return render(
        request,
        "intake/uploads.html",
        {
            "uploads": list_uploads_for_client(request.user.client_id)[:200],
            "extensions": ", ".join(settings.UPLOAD_EXTENSIONS),
            "max_mb": settings.UPLOAD_MAX_MB,
        },
    )


@login_required
def upload_detail(request, upload_id: int):
    upload = access_upload_for(request.user, upload_id)
    return render(request, "intake/upload_detail.html", {"upload": upload})


@login_required
@permission_required("intake.view_ban", raise_exception=True)
def bans(request):
    return render(request, "intake/bans.html", {"bans": list_bans(include_past=request.GET.get("all") == "1")[:500]})


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
