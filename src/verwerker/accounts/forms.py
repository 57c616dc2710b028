from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code consists of digits only."))
        return token


def _role_choices():
    from verwerker.accounts.roles import Role  # local: same layer or upward, a cycle at the top

    return [(r.value, r.label) for r in Role if r != Role.SUBPROCESSOR]


class StaffUserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=_role_choices, widget=forms.CheckboxSelectMultiple)


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=_role_choices, widget=forms.CheckboxSelectMultiple)


class ClientUserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    requested_by = forms.ModelChoiceField(label=_("Requested by (designated contact)"), queryset=None)  # type: ignore[var-annotated]
    request_reference = forms.CharField(label=_("Reference of the request (letter, e-mail, ticket)"), max_length=100)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requested_by"].queryset = client.contacts.filter(is_designated=True)  # type: ignore[attr-defined]
        self.fields["requested_by"].label_from_instance = lambda c: f"{c.name} <{c.email}>" if c.name else c.email  # type: ignore[attr-defined]
