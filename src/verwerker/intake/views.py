"""Web intake: a client user's upload page, and the privacy officer's view of SFTP bans."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.intake.actions import do_lift_ban
from verwerker.intake.models import Ban
from verwerker.intake.queries import access_upload_for, list_bans, list_uploads_for_client
from verwerker.intake.uploadhandler import VaultUploadHandler


@csrf_exempt  # the handlers must be set before the CSRF check reads the body; checked just below
@login_required
def uploads(request):
    """A client user's uploads, and the form to upload one more (streamed into the vault)."""
    if not request.user.is_client_user:
        raise Http404("uploads belong to a client")
    if request.method == "POST":
        handler = VaultUploadHandler(request)
        request.upload_handlers = [handler]
        return _receive(request, handler)
    return _page(request)


@csrf_protect
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
    from django.conf import settings

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
