from django import forms
from django.utils.translation import gettext_lazy as _


class PrintStationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    hot_folder = forms.CharField(label=_("Hot folder (directory the RIP watches)"), max_length=500)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
