"""Client and agreement pages: staff see what their role allows, a client user only their own client.

The relation manager creates and edits clients, their contacts, agreements (as versions) and client
users here; the privacy officer approves high-risk terms and keeps the subprocessors. Every write goes
through an action; every read of one object through an ``access_*_for`` query.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.clients import actions
from verwerker.clients.forms import (
    AgreementForm,
    ClientEditForm,
    ClientForm,
    ContactForm,
    SubprocessingAgreementForm,
    SubprocessorForm,
)
from verwerker.clients.models import Subprocessor
from verwerker.clients.queries import (
    access_agreement_for,
    access_client_for,
    access_contact_for,
    list_agreements_for_client,
    list_clients,
)
from verwerker.lists.listing import Listing, apply_listing


def _require(request, perm: str) -> None:
    if request.user.is_client_user or not request.user.has_perm(perm):
        raise PermissionDenied


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "; ".join(exc.messages))


@login_required
@permission_required("clients.view_client", raise_exception=True)
def client_list(request):
    clients = apply_listing(request, list_clients(), CLIENTS)
    return render(request, "clients/client_list.html", {"list": clients, "clients": clients.page, "form": ClientForm()})


# A client is found by its name, an agreement's reference, its SFTP username or a contact's e-mail.
CLIENTS = Listing(
    sorts={"name": "name", "since": "created_at"}, default_sort="name",
    search=("name", "agreements__reference", "sftp_account__username", "contacts__email"),
    date_field="created_at", distinct=True,
)


@login_required
def client_detail(request, client_id: int):
    """The client's page: contacts, agreements (history), its users and, for staff, its SFTP account."""
    client = access_client_for(request.user, client_id)
    context = {"client": client, "agreements": list_agreements_for_client(client), "contacts": client.contacts.all()}
    user = request.user
    if user.is_staff:
        context["edit_form"] = ClientEditForm(initial={
            "name": client.name, "second_factor_for_high_risk": client.second_factor_for_high_risk})
        context["contact_form"] = ContactForm(initial={"is_designated": True})
        if user.has_perm("accounts.manage_client_users"):
            from verwerker.accounts.forms import ClientUserForm  # local: same layer or upward, a cycle at the top

            context["client_users"] = client.users.order_by("username")
            context["client_user_form"] = ClientUserForm(client=client)
        if user.has_perm("intake.view_sftpaccount"):
            # Intake owns the account; its page section is read here, its writes are intake's views.
            # local: same layer or upward, a cycle at the top
            from verwerker.intake.forms import NetworksForm, PublicKeyForm
            from verwerker.intake.queries import sftp_overview  # local: same layer or upward, a cycle at the top

            context["sftp"] = sftp_overview(client)
            account = context["sftp"]["account"]  # type: ignore[index]
            context["key_form"] = PublicKeyForm()
            context["networks_form"] = NetworksForm(initial={"networks": account.allowed_networks if account else ""})
        if user.has_perm("api.view_apitoken"):
            # The API app owns the tokens; its section here is read, its writes are the API app's screens.
            from verwerker.api.queries import list_tokens  # local: same layer or upward, a cycle at the top

            context["api_tokens"] = list_tokens(client_id=client.pk)[:50]
    return render(request, "clients/client_detail.html", context)


@login_required
@require_POST
def client_create(request):
    _require(request, "clients.add_client")
    form = ClientForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a name and the designated contact's e-mail address."))
        return redirect("clients:list")
    try:
        client = actions.do_create_client(
            form.cleaned_data["name"], contact_email=form.cleaned_data["contact_email"],
            contact_name=form.cleaned_data["contact_name"], actor=Actor.from_request(request),
        )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("clients:list")
    messages.success(request, _("Client %(name)s was created. Next: its processing agreement.") % {"name": client.name})
    return redirect("clients:detail", client_id=client.pk)


@login_required
@require_POST
def client_edit(request, client_id: int):
    _require(request, "clients.change_client")
    client = access_client_for(request.user, client_id)
    form = ClientEditForm(request.POST)
    if form.is_valid():
        try:
            actions.do_change_client(client, actor=Actor.from_request(request), **form.cleaned_data)
            messages.success(request, _("The client was changed."))
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("clients:detail", client_id=client.pk)


@login_required
@require_POST
def contact_add(request, client_id: int):
    _require(request, "clients.add_contact")
    client = access_client_for(request.user, client_id)
    form = ContactForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A contact needs a valid e-mail address."))
    else:
        try:
            actions.do_add_contact(client, actor=Actor.from_request(request), **form.cleaned_data)
            messages.success(request, _("The contact was added."))
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("clients:detail", client_id=client.pk)


@login_required
def contact_edit(request, contact_id: int):
    """Change a contact (GET shows the form), or remove it (POST with ``remove``)."""
    _require(request, "clients.change_contact")
    contact = access_contact_for(request.user, contact_id)
    form = ContactForm(request.POST or None, initial={
        "name": contact.name, "email": contact.email, "phone": contact.phone, "is_designated": contact.is_designated})
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                actions.do_remove_contact(contact, actor=Actor.from_request(request))
                messages.success(request, _("The contact was removed."))
                return redirect("clients:detail", client_id=contact.client_id)
            if form.is_valid():
                actions.do_change_contact(contact, actor=Actor.from_request(request), **form.cleaned_data)
                messages.success(request, _("The contact was changed."))
                return redirect("clients:detail", client_id=contact.client_id)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "clients/contact_form.html", {"contact": contact, "form": form})


@login_required
def client_user_create(request, client_id: int):
    """A client user, created at the request of the client's designated contact (P05, P07)."""
    if request.method != "POST":
        raise Http404("post only")
    from verwerker.accounts.actions import do_create_client_user  # local: same layer or upward, a cycle at the top
    from verwerker.accounts.forms import ClientUserForm  # local: same layer or upward, a cycle at the top

    _require(request, "accounts.manage_client_users")
    client = access_client_for(request.user, client_id)
    form = ClientUserForm(request.POST, client=client)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user, password = do_create_client_user(
                client, data["username"], email=data["email"], request_reference=data["request_reference"],
                requested_by=data["requested_by"], actor=Actor.from_request(request),
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            from verwerker.accounts.views import _secret_page

            return _secret_page(request, title=_("New user of %(client)s") % {"client": client.name},
                                username=user.username, password=password, back=f"/klanten/{client.pk}/")
    else:
        messages.error(
            request,
            _("A client user needs a username, an e-mail address, the contact who asked and the request's reference."),
        )
    return redirect("clients:detail", client_id=client.pk)


# -- agreements -------------------------------------------------------------------------------------


@login_required
def agreement_detail(request, agreement_id: int):
    """One version of an agreement, its place in the history, and the next step (approve, activate, amend)."""
    agreement = access_agreement_for(request.user, agreement_id)
    return render(request, "clients/agreement_detail.html", {
        "agreement": agreement, "history": list_agreements_for_client(agreement.client),
        "can_approve": not request.user.is_client_user and request.user.has_role("privacy"),
        "can_manage": not request.user.is_client_user and request.user.has_perm("clients.change_agreement"),
    })


@login_required
def agreement_new(request, client_id: int):
    """Draft an agreement, or (``?amend=ID``) the next version of one in force, with its Art. 28(3) terms."""
    _require(request, "clients.add_agreement")
    client = access_client_for(request.user, client_id)
    amend = None
    if request.GET.get("amend") or request.POST.get("amend"):
        amend = access_agreement_for(request.user, int(request.GET.get("amend") or request.POST.get("amend")))
        if amend.client_id != client.pk:
            raise Http404("no such agreement")
    if request.method == "POST":
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                data = form.cleaned_data
                if amend is not None:
                    terms = form.terms()
                    starts_on = terms.pop("starts_on")
                    agreement = actions.do_amend_agreement(
                        amend, reference=data["reference"], starts_on=starts_on, subprocessors=data["subprocessors"],
                        actor=Actor.from_request(request), **terms)
                else:
                    agreement = actions.do_create_agreement(
                        client, reference=data["reference"], subprocessors=data["subprocessors"],
                        actor=Actor.from_request(request), **form.terms())
            except ValidationError as exc:
                form.add_error(None, "; ".join(exc.messages))
            else:
                messages.success(request, _("The draft was saved. It takes effect once activated."))
                return redirect("clients:agreement", agreement_id=agreement.pk)
    elif amend is not None:
        initial = {name: getattr(amend, name) for name in actions.AGREEMENT_TERMS}
        initial.update(reference=f"{amend.reference.split('-v')[0]}-v{amend.version + 1}", starts_on=None,
                       subprocessors=list(amend.subprocessors.all()))
        form = AgreementForm(initial=initial)
    else:
        form = AgreementForm(initial={"reference": f"VO-{client.pk:05d}-{client.agreements.count() + 1}"})
    return render(request, "clients/agreement_form.html", {"client": client, "form": form, "amend": amend})


@login_required
def agreement_edit(request, agreement_id: int):
    """Change a draft's terms (an approval of its high-risk terms is then withdrawn)."""
    _require(request, "clients.change_agreement")
    agreement = access_agreement_for(request.user, agreement_id)
    form = AgreementForm(request.POST or None, instance=agreement)
    form.fields["reference"].disabled = True  # a version keeps its reference; history and audit name it
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.do_change_draft_agreement(agreement, actor=Actor.from_request(request),
                                              subprocessors=data["subprocessors"], **form.terms())
        except ValidationError as exc:
            form.add_error(None, "; ".join(exc.messages))
        else:
            messages.success(request, _("The draft was changed."))
            return redirect("clients:agreement", agreement_id=agreement.pk)
    agreement.refresh_from_db()
    return render(
        request, "clients/agreement_form.html", {"client": agreement.client, "form": form, "draft": agreement}
    )


@login_required
@require_POST
def agreement_approve(request, agreement_id: int):
    agreement = access_agreement_for(request.user, agreement_id)
    if request.user.is_client_user:
        raise PermissionDenied
    try:
        actions.do_approve_agreement(agreement, user=request.user, actor=Actor.from_request(request))
        messages.success(
            request, _("The high-risk terms were approved; the relation manager can activate the agreement.")
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("clients:agreement", agreement_id=agreement.pk)


@login_required
@require_POST
def agreement_activate(request, agreement_id: int):
    _require(request, "clients.change_agreement")
    agreement = access_agreement_for(request.user, agreement_id)
    try:
        actions.do_activate_agreement(agreement, actor=Actor.from_request(request))
        messages.success(request, _("The agreement is active from %(date)s.") % {"date": agreement.starts_on})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("clients:agreement", agreement_id=agreement.pk)


# -- subprocessors (privacy officer) -----------------------------------------------------------------


@login_required
@permission_required("clients.view_subprocessor", raise_exception=True)
def subprocessors(request):
    """Subprocessors with their country and own agreement; the privacy officer adds them (P21, P22)."""
    if request.user.is_client_user:
        raise Http404("not a client page")
    can_add = request.user.has_perm("clients.add_subprocessor")
    form = SubprocessorForm(request.POST or None) if can_add else None
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():  # type: ignore[union-attr]
            try:
                sub = actions.do_create_subprocessor(actor=Actor.from_request(request), **form.cleaned_data)  # type: ignore[union-attr]
            except ValidationError as exc:
                form.add_error(None, "; ".join(exc.messages))  # type: ignore[union-attr]
            else:
                messages.success(request, _("%(name)s was added.") % {"name": sub.name})
                return redirect("clients:subprocessors")
    rows = [(s, s.active_agreement()) for s in Subprocessor.objects.prefetch_related("agreements")]
    return render(request, "clients/subprocessors.html", {
        "rows": rows, "form": form, "agreement_form": SubprocessingAgreementForm(auto_id=False) if can_add else None})


@login_required
@require_POST
def subprocessor_agreement_add(request, subprocessor_id: int):
    _require(request, "clients.add_subprocessingagreement")
    sub = Subprocessor.objects.filter(pk=subprocessor_id).first()
    if sub is None:
        raise Http404("no such subprocessor")
    form = SubprocessingAgreementForm(request.POST)
    if form.is_valid():
        actions.do_add_subprocessing_agreement(sub, actor=Actor.from_request(request), **form.cleaned_data)
        messages.success(request, _("The subprocessing agreement was recorded."))
    else:
        messages.error(request, _("Give the agreement's reference and start date."))
    return redirect("clients:subprocessors")
