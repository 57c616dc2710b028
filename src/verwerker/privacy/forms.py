from django import forms
from django.utils.translation import gettext_lazy as _

from verwerker.clients.models import Client, Contact
from verwerker.privacy.models import BreachStatus, Complaint, ComplaintStatus, Pentest, PentestFinding, RequestKind

_DT = {"type": "datetime-local"}


class BreachReportForm(forms.Form):
    title = forms.CharField(label=_("What happened, in a few words"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    discovered_at = forms.DateTimeField(label=_("Discovered at"), widget=forms.DateTimeInput(attrs=_DT))
    window_start = forms.DateTimeField(
        label=_("Data exposed from"), required=False, widget=forms.DateTimeInput(attrs=_DT)
    )
    window_end = forms.DateTimeField(
        label=_("Data exposed until"), required=False, widget=forms.DateTimeInput(attrs=_DT)
    )
    systems = forms.CharField(label=_("Systems involved (web, sftp, workers, …)"), required=False)
    accounts = forms.CharField(label=_("Accounts involved"), required=False)


class BreachStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=BreachStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BreachDetailsForm(forms.Form):
    window_start = forms.DateTimeField(label=_("Data exposed from"), required=False,
                                       widget=forms.DateTimeInput(attrs=_DT, format="%Y-%m-%dT%H:%M"))
    window_end = forms.DateTimeField(label=_("Data exposed until"), required=False,
                                     widget=forms.DateTimeInput(attrs=_DT, format="%Y-%m-%dT%H:%M"))
    systems = forms.CharField(label=_("Systems involved (web, sftp, workers, …)"), required=False)
    accounts = forms.CharField(label=_("Accounts involved"), required=False)
    nature = forms.CharField(label=_("Nature (confidentiality, integrity, availability)"), required=False)
    consequences = forms.CharField(
        label=_("Likely consequences"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures_taken = forms.CharField(
        label=_("Measures taken"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    measures_proposed = forms.CharField(
        label=_("Measures proposed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AffectedImpactForm(forms.Form):
    """The privacy officer's correction of what the impact analysis found for one client."""

    records = forms.IntegerField(label=_("Records"), min_value=0)
    kinds = forms.CharField(label=_("Data categories (comma-separated)"), required=False)

    def clean_kinds(self) -> list[str]:
        return [k.strip() for k in self.cleaned_data["kinds"].split(",") if k.strip()]


class NoticeForm(forms.Form):
    text = forms.CharField(label=_("Notification"), widget=forms.Textarea(attrs={"rows": 24, "cols": 100}))


class FollowUpForm(forms.Form):
    text = forms.CharField(label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["client", "complainant", "subject", "description"]
        labels = {"client": _("Client")}


class ComplaintUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ComplaintStatus.choices)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PentestForm(forms.ModelForm):
    class Meta:
        model = Pentest
        fields = ["performed_on", "tester", "scope", "report_reference"]
        widgets = {"performed_on": forms.DateInput(attrs={"type": "date"}), "scope": forms.Textarea(attrs={"rows": 2})}


class FindingForm(forms.ModelForm):
    class Meta:
        model = PentestFinding
        fields = ["pentest", "title", "severity"]


class SubjectRequestForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=None)  # type: ignore[var-annotated]
    kind = forms.ChoiceField(label=_("Request"), choices=[])
    from_contact = forms.ModelChoiceField(  # type: ignore[var-annotated]
        label=_("Passed on by (designated contact)"), queryset=None, required=False,
        help_text=_("Leave empty when the person wrote to us directly: they are then referred to the client."),
    )
    surname = forms.CharField(label=_("Surname"), required=False)
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    house_number = forms.CharField(label=_("House number"), required=False, max_length=10)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["client"].queryset = Client.objects.all()  # type: ignore[attr-defined]
        self.fields["kind"].choices = RequestKind.choices  # type: ignore[attr-defined]
        self.fields["from_contact"].queryset = Contact.objects.filter(is_designated=True).select_related("client")  # type: ignore[attr-defined]


class ExecuteRequestForm(forms.Form):
    identity_checked_by = forms.CharField(label=_("Identity checked by"), required=False)
    identity_checked_with = forms.CharField(label=_("Checked with (document type; no copy is kept)"), required=False)
    corrections = forms.CharField(
        label=_("Corrections (one per line: column or kind = new value)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_corrections(self) -> dict[str, str]:
        result = {}
        for line in self.cleaned_data["corrections"].splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                result[key.strip()] = value.strip()
        return result


class ExtendRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the extension"), widget=forms.Textarea(attrs={"rows": 2}))
