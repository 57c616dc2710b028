from django import forms
from django.utils.translation import gettext_lazy as _

from verwerker.accounts.models import User
from verwerker.clients.models import Subprocessor
from verwerker.facilities.models import (
    Camera,
    CameraIncident,
    CameraKind,
    CameraRequestKind,
    ConsentCategory,
    LocationKind,
    WorkstationKind,
)

_DATE = {"type": "date"}
_DT = {"type": "datetime-local"}


def _staff():
    return User.objects.filter(is_staff=True, is_active=True).order_by("username")


class AgreementForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=None)  # type: ignore[var-annotated]
    version = forms.CharField(label=_("Version of the text"), max_length=40)
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs=_DATE))
    valid_until = forms.DateField(
        label=_("Valid until (empty: open-ended)"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    document = forms.FileField(label=_("Signed agreement (PDF or scan)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _staff()  # type: ignore[attr-defined]


class AwarenessForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs=_DATE))
    subject = forms.CharField(label=_("Subject"), max_length=200)
    attendees = forms.ModelMultipleChoiceField(label=_("Attended"), queryset=None, widget=forms.CheckboxSelectMultiple)  # type: ignore[var-annotated]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = _staff()  # type: ignore[attr-defined]


class WorkstationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=WorkstationKind.choices)
    location = forms.CharField(label=_("Location"), max_length=200)
    responsible = forms.ModelChoiceField(label=_("Responsible"), queryset=None)  # type: ignore[var-annotated]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = _staff()  # type: ignore[attr-defined]


class WorkstationCheckForm(forms.Form):
    local_copies_removed = forms.BooleanField(label=_("No local copies of client files"), required=False)
    downloads_empty = forms.BooleanField(label=_("Downloads folder empty"), required=False)
    temp_empty = forms.BooleanField(label=_("Temporary folders empty"), required=False)
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ServiceForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=ConsentCategory.objects.filter(required=False))
    name = forms.CharField(label=_("Service"), max_length=100)
    subprocessor = forms.ModelChoiceField(label=_("Subprocessor"), queryset=None)  # type: ignore[var-annotated]
    script_host = forms.CharField(label=_("Host its scripts load from"), max_length=255, required=False)
    cookies = forms.CharField(label=_("Cookies it sets"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["subprocessor"].queryset = Subprocessor.objects.order_by("name")  # type: ignore[attr-defined]


class PentestReportForm(forms.Form):
    pentest = forms.ModelChoiceField(label=_("Test"), queryset=None)  # type: ignore[var-annotated]
    document = forms.FileField(label=_("Report"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from verwerker.privacy.models import Pentest  # local: same layer or upward, a cycle at the top

        self.fields["pentest"].queryset = Pentest.objects.filter(report__isnull=True)  # type: ignore[attr-defined]


class FindingDueForm(forms.Form):
    due_on = forms.DateField(label=_("Fix due by"), widget=forms.DateInput(attrs=_DATE))


class CameraForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    location = forms.CharField(label=_("Location"), max_length=200)
    location_kind = forms.ChoiceField(label=_("Kind of location"), choices=LocationKind.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=CameraKind.choices)
    audio = forms.BooleanField(label=_("Records sound"), required=False)
    recorder_retention_days = forms.IntegerField(label=_("Kept on the recorder (days)"), min_value=1, initial=28)


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("What happened"), max_length=200)
    occurred_at = forms.DateTimeField(label=_("Occurred at"), widget=forms.DateTimeInput(attrs=_DT))


class ClipForm(forms.Form):
    camera = forms.ModelChoiceField(label=_("Camera"), queryset=None)  # type: ignore[var-annotated]
    incident = forms.ModelChoiceField(label=_("Incident"), queryset=None)  # type: ignore[var-annotated]
    recorded_from = forms.DateTimeField(label=_("Recorded from"), widget=forms.DateTimeInput(attrs=_DT))
    recorded_until = forms.DateTimeField(label=_("Recorded until"), widget=forms.DateTimeInput(attrs=_DT))
    content = forms.FileField(label=_("Clip exported from the recorder"))
    hold = forms.BooleanField(label=_("Keep until the incident is closed"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["camera"].queryset = Camera.objects.all()  # type: ignore[attr-defined]
        self.fields["incident"].queryset = CameraIncident.objects.filter(closed_at__isnull=True)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}))


class CameraRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Request"), choices=CameraRequestKind.choices)
    requester = forms.CharField(label=_("From (as they want to be contacted)"), max_length=200)
    camera = forms.ModelChoiceField(label=_("Camera"), queryset=None, required=False)  # type: ignore[var-annotated]
    moment_from = forms.DateTimeField(label=_("Footage from"), required=False, widget=forms.DateTimeInput(attrs=_DT))
    moment_until = forms.DateTimeField(label=_("Footage until"), required=False, widget=forms.DateTimeInput(attrs=_DT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["camera"].queryset = Camera.objects.all()  # type: ignore[attr-defined]
