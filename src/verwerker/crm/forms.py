"""Forms of the CRM screens. Field rules live in actions.clean_fields (shared with the import)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from verwerker.crm.models import (
    ConsentMethod,
    ContractTerm,
    FinancialKind,
    MailingChannel,
    NoteKind,
    Organisation,
    Person,
    Purpose,
    SuppressionKind,
)
from verwerker.crm.requests import RELATION_REQUEST_KINDS

# The website is a plain text field: the action normalises it ("www.example.nl" gets a scheme).
ADDRESS = ["street", "house_number", "house_number_addition", "postcode", "city", "country", "phone", "mobile",
           "email"]


class _NormalisedFields:
    """Run the statement's field rules (actions.clean_fields) in the form, so the model's own checks see
    normalised values ("1234 5678" is a valid KvK number) and problems are named per field."""

    def clean(self):
        from verwerker.crm.actions import clean_fields  # local: same layer or upward, a cycle at the top

        data = super().clean()  # type: ignore[misc]
        try:
            data.update(clean_fields(data))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, [_(m) for m in messages])  # type: ignore[attr-defined]
        return data


class OrganisationForm(_NormalisedFields, forms.ModelForm):
    website = forms.CharField(label=_("website"), required=False)

    class Meta:
        model = Organisation
        fields = ["name", "is_prospect", "is_client", "is_supplier", "client", "subprocessor", "kvk", "vat", "iban",
                  *ADDRESS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The action normalises these (e.g. "0044.95.445.B01"); the model's length limits would refuse first.
        self.fields["kvk"] = forms.CharField(label=_("KvK number"), required=False, max_length=20)
        self.fields["vat"] = forms.CharField(label=_("VAT number"), required=False, max_length=30)
        self.fields["iban"] = forms.CharField(label=_("bank account (IBAN)"), required=False, max_length=50)


class PersonForm(_NormalisedFields, forms.ModelForm):
    website = forms.CharField(label=_("website"), required=False)

    class Meta:
        model = Person
        fields = ["organisation", "gender", "initials", "first_name", "infix", "last_name", "occupation", "is_client",
                  "is_supplier", "deceased", *ADDRESS]


class ConsentForm(forms.Form):
    purpose = forms.ModelChoiceField(label=_("purpose"), queryset=Purpose.objects.filter(active=True))
    method = forms.ChoiceField(label=_("how given"), choices=ConsentMethod.choices)
    text_shown = forms.CharField(label=_("text shown or read out"), widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    consent = forms.IntegerField(widget=forms.HiddenInput)
    method = forms.ChoiceField(label=_("how withdrawn"), choices=ConsentMethod.choices)


class NoteForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=NoteKind.choices)
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 2}))


class ServiceMessageForm(forms.Form):
    """An invoice or contract message: a service message, which needs no consent."""

    subject = forms.CharField(label=_("subject"), max_length=200)
    body = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 3}))


class FinancialForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=FinancialKind.choices)
    reference = forms.CharField(label=_("reference"), max_length=60)
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("amount"), max_digits=12, decimal_places=2)


class ContractForm(forms.ModelForm):
    class Meta:
        model = ContractTerm
        fields = ["reference", "subject", "starts_on", "ends_on", "amount", "terms"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "terms": forms.Textarea(attrs={"rows": 2}),
        }


class ExtraForm(forms.Form):
    birth_date = forms.DateField(label=_("birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    interests = forms.CharField(label=_("interests (comma-separated)"), required=False)
    social_profiles = forms.CharField(
        label=_("social profiles (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MailingForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    purpose = forms.ModelChoiceField(
        label=_("purpose"), queryset=Purpose.objects.filter(active=True), to_field_name="code"
    )
    channel = forms.ChoiceField(label=_("channel"), choices=MailingChannel.choices)
    city = forms.CharField(label=_("town"), required=False)
    kind = forms.ChoiceField(label=_("kind of organisation"), required=False, choices=[
        ("", "—"), ("client", _("client")), ("prospect", _("prospect")), ("supplier", _("supplier"))])
    occupation = forms.CharField(label=_("occupation"), required=False)
    interest = forms.CharField(label=_("interest (fitting promotions only)"), required=False)
    subject = forms.CharField(label=_("subject (e-mail)"), required=False)
    body = forms.CharField(label=_("text (e-mail)"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class SuppressionForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    kind = forms.ChoiceField(label=_("kind"), choices=SuppressionKind.choices)
    file = forms.FileField(label=_("file (CSV or XLSX)"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CRM export (CSV or XLSX)"))
    skip_problem_rows = forms.BooleanField(label=_("skip rows with problems"), required=False)


class PurposeForm(forms.ModelForm):
    class Meta:
        model = Purpose
        fields = ["name", "description", "valid_days", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("request"), choices=[(k.value, k.label) for k in RELATION_REQUEST_KINDS])
