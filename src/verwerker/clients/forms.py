from django import forms
from django.utils.translation import gettext_lazy as _

from verwerker.clients.models import Agreement, Subprocessor

_DATE = {"type": "date"}


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    contact_name = forms.CharField(label=_("Designated contact: name"), max_length=200, required=False)
    contact_email = forms.EmailField(label=_("Designated contact: e-mail"))


class ClientEditForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    second_factor_for_high_risk = forms.BooleanField(
        label=_("Client users need a second factor while high-risk files are allowed"), required=False
    )


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    is_designated = forms.BooleanField(label=_("Designated contact (may make requests for the client)"), required=False)


class AgreementForm(forms.ModelForm):
    subprocessors = forms.ModelMultipleChoiceField(
        label=_("Allowed subprocessors"), queryset=Subprocessor.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Agreement
        fields = [
            "reference", "starts_on", "ends_on", "subject", "nature_and_purpose", "data_types",
            "data_subject_categories", "instructions", "security_measures", "end_of_service", "breach_contact",
            "max_retention_days", "breach_notice_hours", "high_risk_allowed", "high_risk_measures", "subprocessors",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
            **{f: forms.Textarea(attrs={"rows": 2}) for f in (
                "subject", "nature_and_purpose", "data_types", "data_subject_categories", "instructions",
                "security_measures", "high_risk_measures")},
        }

    def terms(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("reference", None)
        data.pop("subprocessors", None)
        return data


class SubprocessorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.CharField(label=_("Country (ISO 3166 code, e.g. NL)"), max_length=2, min_length=2)
    receives_personal_data = forms.BooleanField(label=_("Receives personal data"), required=False, initial=True)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)


class SubprocessingAgreementForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=100)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs=_DATE))
    active = forms.BooleanField(label=_("In force"), required=False, initial=True)
