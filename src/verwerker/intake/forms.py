from django import forms
from django.utils.translation import gettext_lazy as _


class PublicKeyForm(forms.Form):
    public_key = forms.CharField(
        label=_("Public key (OpenSSH format, one a line)"), widget=forms.Textarea(attrs={"rows": 3, "cols": 70})
    )


class NetworksForm(forms.Form):
    networks = forms.CharField(
        label=_("Allowed networks (one CIDR a line; empty: any address)"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
    )
