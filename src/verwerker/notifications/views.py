"""The in-app list of notifications, marking them read, and the e-mail switches per kind. Thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verwerker.notifications.actions import do_mark_read, do_set_email_preferences
from verwerker.notifications.models import Kind
from verwerker.notifications.queries import email_preferences, notifications_for
from verwerker.notifications.texts import describe


@login_required
def notification_list(request):
    """The user's notifications, unread first marked, newest first, 50 a page."""
    page = Paginator(notifications_for(request.user).select_related("client"), 50).get_page(request.GET.get("page"))
    for note in page:
        note.text = describe(note.kind, note.params)  # type: ignore[attr-defined]
        note.kind_label = Kind(note.kind).label if note.kind in Kind.values else note.kind  # type: ignore[attr-defined]
    return render(request, "notifications/list.html", {
        "page": page, "preferences": email_preferences(request.user),
    })


@login_required
@require_POST
def mark_read(request):
    """Mark one notification (``id``) or all read; with ``go``, follow the notification's link."""
    given = request.POST.get("id", "")
    ids = [int(given)] if given.isdigit() else None
    changed = do_mark_read(request.user, ids)
    if ids is not None and request.POST.get("go"):
        note = notifications_for(request.user).filter(pk=ids[0]).first()
        if note is not None and note.link.startswith("/"):
            return redirect(note.link)
    if ids is None:
        messages.success(request, _("%(n)s notifications marked as read.") % {"n": changed})
    return redirect("notifications:list")


@login_required
@require_POST
def preferences(request):
    """Switch e-mail per kind on or off (breach messages always go)."""
    off = do_set_email_preferences(request.user, wanted=request.POST.getlist("email"))
    messages.success(request, _("Your e-mail choices were saved: %(n)s kinds switched off.") % {"n": len(off)})
    return redirect("notifications:list")
