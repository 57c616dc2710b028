"""CRM screens: the relation manager's (search, organisations, people, import, mailings) and the privacy
officer's (purposes, consents, mailings with their selections, requests, certificates).

Every view asks queries.py who may see it; client users and other roles get the same 404 as for a
missing page. Only ``person_extra`` declares the purpose "passende acties" and shows the purpose-bound
fields; only ``request_export`` (an access request) exports them. Uploads stay in memory (facilities.uploads.memory_uploads).
"""  # noqa: E501

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from verwerker.audit.actors import Actor
from verwerker.crm import actions, forms, importer, queries
from verwerker.crm.certificates import render_crm_certificate_pdf
from verwerker.crm.extra import ExtraData
from verwerker.crm.models import (
    Consent,
    CrmCertificate,
    HouseClient,
    Mailing,
    MailingChannel,
    Organisation,
    Purpose,
    RelationRequest,
    SuppressionList,
)
from verwerker.crm.queries import EXTRA_PURPOSE, Declaration, PurposeNotDeclared, require
from verwerker.crm.requests import (
    access_export,
    do_execute_relation_request,
    do_log_relation_request,
    export_as_csv,
    export_as_json,
)
from verwerker.datafiles.actions import DataFileRefused
from verwerker.datafiles.texts import unreadable_text
from verwerker.facilities.uploads import memory_uploads
from verwerker.intake.policy import Refusal
from verwerker.privacy.subject_requests import do_extend_subject_request
from verwerker.production.models import Template
from verwerker.production.workflow import StepRefused


def _actor(request) -> Actor:
    return Actor.from_request(request)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, [_(m) for m in errors])
    else:
        form.add_error(None, [_(m) for m in exc.messages])


def _manager_only(request) -> None:
    require(queries.is_relation_manager(request.user))


# -- relation manager: search, organisations, people -----------------------------------------------------------


@login_required
def search(request):
    require(queries.can_see_relations(request.user))
    text = request.GET.get("q", "")
    organisations, people = queries.search_relations(text)
    return render(request, "crm/search.html", {"q": text, "organisations": organisations, "people": people,
                                               "manager": queries.is_relation_manager(request.user)})


def _edit(request, form, save, *, title, done: str):
    """The form page of a new or changed organisation or person: ``save`` on a valid POST (an action
    returning the object), the action's refusal shown on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            return redirect(done, obj.pk)
    return render(request, "crm/edit.html", {"form": form, "title": title})


@login_required
def organisation_new(request):
    _manager_only(request)
    return _edit(request, forms.OrganisationForm(request.POST or None),
                 lambda data: actions.do_create_organisation(data, actor=_actor(request)),
                 title=_("New organisation"), done="crm:organisation")


@login_required
def organisation_edit(request, organisation_id: int):
    org = queries.access_organisation_for(request.user, organisation_id)
    _manager_only(request)
    return _edit(request, forms.OrganisationForm(request.POST or None, instance=org),
                 lambda data: actions.do_update_organisation(Organisation.objects.get(pk=org.pk), data,
                                                             actor=_actor(request)),
                 title=org.name, done="crm:organisation")


@login_required
def organisation_detail(request, organisation_id: int):
    org = queries.access_organisation_for(request.user, organisation_id)
    manager = queries.is_relation_manager(request.user)
    note_form, financial_form, contract_form = forms.NoteForm(), forms.FinancialForm(), forms.ContractForm()
    if request.method == "POST":
        _manager_only(request)
        action = request.POST.get("action")
        try:
            if action == "note":
                note_form = forms.NoteForm(request.POST)
                if note_form.is_valid():
                    actions.do_add_note(organisation=org, actor=_actor(request), **note_form.cleaned_data)
                    return redirect("crm:organisation", org.pk)
            elif action == "financial":
                financial_form = forms.FinancialForm(request.POST)
                if financial_form.is_valid():
                    actions.do_add_financial_record(
                        organisation=org, actor=_actor(request), **financial_form.cleaned_data
                    )
                    return redirect("crm:organisation", org.pk)
            elif action == "contract":
                contract_form = forms.ContractForm(request.POST)
                if contract_form.is_valid():
                    actions.do_add_contract_term(organisation=org, actor=_actor(request), **contract_form.cleaned_data)
                    return redirect("crm:organisation", org.pk)
            elif action == "end":
                actions.do_end_relationship(org, actor=_actor(request))
                messages.success(request, _("The relationship is recorded as ended."))
                return redirect("crm:organisation", org.pk)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
    people = list(org.people.all())
    return render(request, "crm/organisation.html", {
        "org": org, "people": people, "manager": manager, "address": queries.address_lines(org),
        "financial": org.financial_records.all(), "contracts": org.contracts.all(),
        "consents": Consent.objects.filter(person__in=people).select_related("purpose", "person"),
        "timeline": queries.timeline(organisation=org)[:100],
        "note_form": note_form, "financial_form": financial_form, "contract_form": contract_form,
    })


@login_required
def person_new(request):
    _manager_only(request)
    form = forms.PersonForm(request.POST or None, initial={"organisation": request.GET.get("organisatie")})
    return _edit(request, form, lambda data: actions.do_create_person(data, actor=_actor(request)),
                 title=_("New person"), done="crm:person")


@login_required
def person_edit(request, person_id: int):
    person = queries.access_person_for(request.user, person_id)
    _manager_only(request)
    return _edit(request, forms.PersonForm(request.POST or None, instance=person),
                 lambda data: actions.do_update_person(queries.access_person_for(request.user, person_id), data,
                                                       actor=_actor(request)),
                 title=person.display_name, done="crm:person")


@login_required
def person_detail(request, person_id: int):
    person = queries.access_person_for(request.user, person_id)
    manager = queries.is_relation_manager(request.user)
    officer = queries.is_privacy_officer(request.user)
    consent_form, note_form = forms.ConsentForm(), forms.NoteForm()
    if request.method == "POST":
        action = request.POST.get("action")
        require(officer if action == "request" else manager)
        try:
            if action == "consent":
                consent_form = forms.ConsentForm(request.POST)
                if consent_form.is_valid():
                    consent = actions.do_record_consent(person, actor=_actor(request), **consent_form.cleaned_data)
                    messages.success(
                        request,
                        _("Consent recorded.")
                        if not consent.needs_confirmation
                        else _("Consent recorded; it holds once the person confirms it by the link we e-mailed."),
                    )
                    return redirect("crm:person", person.pk)
            elif action == "withdraw":
                form = forms.WithdrawForm(request.POST)
                if form.is_valid():
                    consent = get_object_or_404(Consent, pk=form.cleaned_data["consent"], person=person)
                    actions.do_withdraw_consent(consent, method=form.cleaned_data["method"], actor=_actor(request))
                    messages.success(request, _("Consent withdrawn."))
                    return redirect("crm:person", person.pk)
            elif action == "note":
                note_form = forms.NoteForm(request.POST)
                if note_form.is_valid():
                    actions.do_add_note(person=person, actor=_actor(request), **note_form.cleaned_data)
                    return redirect("crm:person", person.pk)
            elif action == "service":
                form = forms.ServiceMessageForm(request.POST)  # type: ignore[assignment]
                if form.is_valid():
                    actions.do_send_service_message(person, actor=_actor(request), **form.cleaned_data)
                    messages.success(request, _("Service message sent (no consent needed)."))
                    return redirect("crm:person", person.pk)
            elif action == "request":
                form = forms.RequestForm(request.POST)  # type: ignore[assignment]
                if form.is_valid():
                    req = do_log_relation_request(person, form.cleaned_data["kind"], actor=_actor(request))
                    return redirect("crm:request", req.pk)
        except ValidationError as exc:
            messages.error(request, "; ".join(_(m) for m in exc.messages))
    return render(request, "crm/person.html", {
        "person": person, "manager": manager, "officer": officer, "address": queries.address_lines(person),
        "consents": person.consents.select_related("purpose"), "consent_form": consent_form, "note_form": note_form,
        "withdraw_methods": forms.WithdrawForm().fields["method"].choices, "request_form": forms.RequestForm(),  # type: ignore[attr-defined]
        "service_form": forms.ServiceMessageForm(),
        "timeline": queries.timeline(person=person)[:100],
    })


@login_required
def person_extra(request, person_id: int):
    """The one page that declares the purpose "passende acties": it shows and changes the purpose-bound
    fields, and only for a person whose consent for it holds (every read audited)."""
    person = queries.access_person_for(request.user, person_id)
    _manager_only(request)
    declaration = Declaration(EXTRA_PURPOSE, f"screen person {person.pk}")
    purpose = Purpose.objects.filter(code=EXTRA_PURPOSE).first()
    consent = queries.holds_for(person, purpose) if purpose else None
    form = forms.ExtraForm(request.POST or None)
    if consent is not None and request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra = ExtraData(data["birth_date"], tuple(i.strip() for i in data["interests"].split(",") if i.strip()),
                          tuple(s.strip() for s in data["social_profiles"].splitlines() if s.strip()))
        try:
            actions.do_set_extra_data(person, extra, declaration, actor=_actor(request))
        except PurposeNotDeclared:
            raise Http404("no such page") from None
        messages.success(request, _("Saved."))
        return redirect("crm:person_extra", person.pk)
    extra = None  # type: ignore[assignment]
    if consent is not None:
        extra = queries.read_extra_data([person], declaration, actor=_actor(request)).get(person.pk)  # type: ignore[assignment]
        if request.method != "POST" and extra is not None:
            form = forms.ExtraForm(initial={"birth_date": extra.birth_date, "interests": ", ".join(extra.interests),
                                            "social_profiles": "\n".join(extra.social_profiles)})
    return render(
        request, "crm/person_extra.html", {"person": person, "consent": consent, "extra": extra, "form": form}
    )


# -- import and export -------------------------------------------------------------------------------------------


@memory_uploads  # the upload stays in memory (no temporary file); CSRF checked after the handler is set
@login_required
def import_relations(request):
    _manager_only(request)
    if request.method == "POST":
        return _import(request)
    return render(request, "crm/import.html", {"form": forms.ImportForm(), "targets": importer.TARGETS})


def _import(request):
    form = forms.ImportForm(request.POST, request.FILES)
    context = {"form": form, "targets": importer.TARGETS}
    if not form.is_valid():
        return render(request, "crm/import.html", context)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        frame = importer.read_export(data, name=upload.name)
        columns = list(frame.columns)
        financial = request.POST.get("what") == "financial"
        context["targets"] = importer.FINANCIAL_TARGETS if financial else importer.TARGETS
        context["what"] = "financial" if financial else "relations"
        if any(k.startswith("map:") for k in request.POST):
            mapping = {c: request.POST.get(f"map:{c}", "") for c in columns}
            mapping = {c: t for c, t in mapping.items() if t}
        else:
            mapping = (importer.guess_financial_mapping if financial else importer.guess_mapping)(columns)
        dry = request.POST.get("go") != "import"
        if financial:
            report = importer.import_financial_records(frame, mapping, dry_run=dry, actor=_actor(request),
                                                       file_name=upload.name)
        else:
            report = importer.import_relations(
                frame,
                mapping,
                dry_run=dry,
                actor=_actor(request),
                file_name=upload.name,
                skip_problem_rows=form.cleaned_data["skip_problem_rows"],
            )
    except importer.ImportProblem as exc:
        form.add_error("file", unreadable_text(str(exc)))  # an unreadable file's reason in the reader's language
        return render(request, "crm/import.html", context)
    if report.written:
        messages.success(
            request,
            _("Imported: %(orgs)s organisations, %(people)s people and %(records)s financial records.")
            % {"orgs": report.organisations_new, "people": report.people_new, "records": report.records_new},
        )
        return redirect("crm:search")
    context.update({"report": report, "columns": [(c, mapping.get(c, "")) for c in columns], "file_name": upload.name})
    return render(request, "crm/import.html", context)


@login_required
def export_relations(request):
    _manager_only(request)
    response = HttpResponse(importer.export_relations(actor=_actor(request)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="relaties.csv"'
    return response


@memory_uploads  # as import_relations
@login_required
def suppression_lists(request):
    _manager_only(request)
    if request.method == "POST":
        return _suppression_upload(request)
    return render(request, "crm/suppression.html", {"form": forms.SuppressionForm(),
                                                    "lists": SuppressionList.objects.all()})


def _suppression_upload(request):
    form = forms.SuppressionForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            actions.do_import_suppression_list(upload.read(), file_name=upload.name, name=form.cleaned_data["name"],
                                               kind=form.cleaned_data["kind"], actor=_actor(request))
        except ValidationError as exc:
            form.add_error("file", "; ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("Suppression list imported."))
            return redirect("crm:suppression")
    return render(request, "crm/suppression.html", {"form": form, "lists": SuppressionList.objects.all()})


# -- mailings ---------------------------------------------------------------------------------------------------


@login_required
def mailings(request):
    require(queries.can_see_relations(request.user))
    manager = queries.is_relation_manager(request.user)
    form = forms.MailingForm(request.POST or None)
    if request.method == "POST":
        _manager_only(request)
        if form.is_valid():
            data = form.cleaned_data
            criteria = {k: data[k] for k in ("city", "kind", "occupation", "interest")}
            if criteria["interest"] and not data["purpose"].uses_extra_data:
                form.add_error("interest", _("Interests may be used only for fitting promotions."))
            else:
                try:
                    mailing = actions.do_create_mailing(
                        name=data["name"],
                        purpose=data["purpose"],
                        channel=data["channel"],
                        criteria=criteria,
                        subject=data["subject"],
                        body=data["body"],
                        actor=_actor(request),
                    )
                except ValidationError as exc:
                    _form_errors(form, exc)
                else:
                    return redirect("crm:mailing", mailing.pk)
    return render(request, "crm/mailings.html", {"form": form, "mailings": Mailing.objects.select_related("purpose"),
                                                 "manager": manager})


@login_required
def mailing_detail(request, mailing_id: int):
    mailing = queries.access_mailing_for(request.user, mailing_id)
    manager = queries.is_relation_manager(request.user)
    if request.method == "POST":
        _manager_only(request)
        action = request.POST.get("action")
        try:
            if action == "select":
                actions.do_select_mailing(mailing, actor=_actor(request))
                messages.success(request, _("Selection computed."))
            elif action == "letters":
                template = get_object_or_404(Template, pk=request.POST.get("template"))
                job = actions.do_produce_mailing_letters(
                    mailing, template=template, user=request.user, actor=_actor(request)
                )
                messages.success(request, _("Handed to production as job %(job)s.") % {"job": job.pk})
            elif action == "email":
                sent = actions.do_send_mailing_email(mailing, actor=_actor(request))
                messages.success(request, _("%(n)s e-mails sent.") % {"n": sent})
        except ValidationError as exc:
            messages.error(request, "; ".join(_(m) for m in exc.messages))
        except (StepRefused, Refusal, DataFileRefused) as exc:  # production, intake or datafiles said no
            # datafiles says why in English (its audit event keeps that text): shown in the reader's language
            text = unreadable_text(str(exc)) if isinstance(exc, DataFileRefused) else str(exc)
            messages.error(request, exc.reason if isinstance(exc, StepRefused) else text)  # type: ignore[arg-type]
        return redirect("crm:mailing", mailing.pk)
    recipients = mailing.recipients.select_related("person", "person__organisation")

    templates = Template.objects.filter(Q(client__isnull=True) | Q(client__in=[h.client_id for h in _house_links()]))
    return render(request, "crm/mailing.html", {
        "mailing": mailing, "manager": manager, "recipients": recipients, "templates": templates,
        "letters": mailing.channel == MailingChannel.LETTER,
    })


def _house_links():
    return HouseClient.objects.all()


# -- the public consent links (double opt-in, re-permission, withdrawal) -----------------------------------------------


def consent_link(request, token: str):
    """GET shows what the link will do (mail scanners follow links); POST does it."""
    try:
        consent, action = actions.read_consent_token(token)
    except ValidationError as exc:
        return render(request, "crm/consent_link.html", {"error": _(exc.messages[0])}, status=400)
    done = None
    if request.method == "POST":
        actor = Actor.for_user(None, request.META.get("REMOTE_ADDR", ""))
        try:
            if action == "withdraw":
                actions.do_withdraw_by_link(token, actor=actor)
            else:
                actions.do_confirm_consent(token, actor=actor)
        except ValidationError as exc:
            return render(request, "crm/consent_link.html", {"error": _(exc.messages[0])}, status=400)
        done = action
    return render(request, "crm/consent_link.html", {"consent": consent, "action": action, "done": done})


# -- privacy officer ---------------------------------------------------------------------------------------------


@login_required
def privacy_overview(request):
    require(queries.is_privacy_officer(request.user))
    purpose_filter = request.GET.get("doel", "")
    consents = Consent.objects.select_related("purpose", "person").order_by("-given_at")
    if purpose_filter:
        consents = consents.filter(purpose__code=purpose_filter)
    holding = set(queries.consents_holding().values_list("pk", flat=True))
    return render(
        request,
        "crm/privacy.html",
        {
            "purposes": Purpose.objects.all(),
            "consents": consents[:200],
            "holding": holding,
            "purpose_filter": purpose_filter,
            "mailings": Mailing.objects.select_related("purpose", "job"),
            "requests": RelationRequest.objects.select_related("request")[:100],
            "certificates": CrmCertificate.objects.all()[:50],
        },
    )


@login_required
def purpose_edit(request, purpose_id: int):
    require(queries.is_privacy_officer(request.user))
    purpose = get_object_or_404(Purpose, pk=purpose_id)
    form = forms.PurposeForm(request.POST or None, instance=purpose)
    if request.method == "POST" and form.is_valid():
        actions.do_change_purpose(Purpose.objects.get(pk=purpose.pk), actor=_actor(request), **form.cleaned_data)
        return redirect("crm:privacy")
    return render(request, "crm/edit.html", {"form": form, "title": purpose.name})


@login_required
def request_detail(request, request_id: int):
    req = queries.access_request_for(request.user, request_id)
    form = (
        forms.PersonForm(request.POST or None, instance=req.person)
        if req.kind == "rectification" and req.person
        else None
    )
    if request.method == "POST" and req.is_open and "extend" in request.POST:
        # The register's extension (Art. 12(3)): two months more, within the first month, with reasons.
        try:
            do_extend_subject_request(req.request, reason=request.POST.get("reason", ""), actor=_actor(request))
        except ValidationError as exc:
            messages.error(request, "; ".join(_(m) for m in exc.messages))
        return redirect("crm:request", req.pk)
    if request.method == "POST" and req.is_open:
        try:
            corrections = None
            if form is not None:
                if not form.is_valid():
                    raise ValidationError(_("Correct the fields first."))
                corrections = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
            do_execute_relation_request(req, corrections=corrections, actor=_actor(request))
        except ValidationError as exc:
            messages.error(request, "; ".join(_(m) for m in exc.messages))
        return redirect("crm:request", req.pk)
    return render(request, "crm/request.html", {"req": req, "form": form})


@login_required
def request_export(request, request_id: int, fmt: str):
    """The access export of one person (CSV or JSON), built in memory; purpose-bound fields included,
    read under the request's declaration."""
    req = queries.access_request_for(request.user, request_id)
    try:
        export = access_export(req, actor=_actor(request))
    except ValidationError:
        raise Http404("no such page") from None
    body, kind = (
        (export_as_json(export), "application/json")
        if fmt == "json"
        else (export_as_csv(export), "text/csv; charset=utf-8")
    )
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{req.reference}-inzage.{fmt}"'
    return response


@login_required
def certificate_download(request, certificate_id):
    require(queries.is_privacy_officer(request.user))
    cert = get_object_or_404(CrmCertificate, pk=certificate_id)
    response = HttpResponse(cert.body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="vernietigingsverklaring-{cert.pk}.json"'
    return response


@login_required
def certificate_pdf(request, certificate_id):
    """The certificate as a PDF signed by the house, with its JSON attached (built in memory)."""
    require(queries.is_privacy_officer(request.user))
    cert = get_object_or_404(CrmCertificate, pk=certificate_id)
    response = HttpResponse(render_crm_certificate_pdf(cert), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="vernietigingsverklaring-{cert.pk}.pdf"'
    return response


@require_POST
@login_required
def renewals(request):
    """Send the re-permission requests that are due now (the scheduler can call the same action)."""
    require(queries.is_privacy_officer(request.user))
    sent = actions.do_request_renewals(actor=_actor(request))
    messages.success(request, _("%(n)s re-permission requests sent.") % {"n": sent})
    return redirect("crm:privacy")
