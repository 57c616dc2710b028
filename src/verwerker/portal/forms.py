"""Forms of the portal screens. Field values of orderers are validated by pod.clean_values, not here."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from verwerker.clients.models import Client
from verwerker.portal.models import Member, ProductKind, Shop, hex_colour, slug_validator


class ShopForm(forms.Form):
    client = forms.ModelChoiceField(label=_("Client"), queryset=Client.objects.filter(shop__isnull=True))
    slug = forms.CharField(
        label=_("Web address"), max_length=40, validators=[slug_validator], help_text=_("/portal/<address>/")
    )
    title = forms.CharField(label=_("Shop name"), max_length=100)
    colour_primary = forms.CharField(
        label=_("Main colour"),
        initial="#0b5cad",
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    colour_accent = forms.CharField(
        label=_("Accent colour"),
        initial="#1d2733",
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class ShopChangeForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = ["title", "colour_primary", "colour_accent", "history_days", "payment_provider", "active"]
        widgets = {
            "colour_primary": forms.TextInput(attrs={"type": "color"}),
            "colour_accent": forms.TextInput(attrs={"type": "color"}),
            "payment_provider": forms.Select(
                choices=[("invoice", _("on account (invoice)")), ("test", _("test provider (hosted checkout)"))]
            ),
        }


class LogoForm(forms.Form):
    logo = forms.FileField(label=_("Logo (PNG)"))


class ProductForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    code = forms.CharField(label=_("Article code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    price_euros = forms.DecimalField(label=_("Price per piece (euro)"), min_value=0, decimal_places=2, initial=0)
    needs_approval = forms.BooleanField(label=_("Always needs approval"), required=False)
    template_source = forms.CharField(
        label=_("Typst template (print on demand)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "class": "code"}),
    )
    fields_text = forms.CharField(
        label=_("Fields (print on demand)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "code"}),
        help_text=_("One per line: name|label|kind (text, phone, email)|required (ja)|maximum length"),
    )
    price_table_text = forms.CharField(
        label=_("Price table (print product)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "code"}),
        help_text=_("One per line: quantity|paper|finishing|price in euro"),
    )
    stock_level = forms.IntegerField(label=_("In stock"), required=False, initial=0)
    reorder_point = forms.IntegerField(label=_("Reorder point"), required=False, initial=0, min_value=0)


class MemberForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    request_reference = forms.CharField(label=_("Client's request (reference)"), max_length=100)
    may_order = forms.BooleanField(label=_("may order"), required=False, initial=True)
    may_approve = forms.BooleanField(label=_("may approve orders"), required=False)
    sees_organisation = forms.BooleanField(label=_("sees the whole organisation's orders"), required=False)
    manages_addresses = forms.BooleanField(label=_("manages the address book"), required=False)
    manages_users = forms.BooleanField(label=_("manages users"), required=False)
    budget_euros = forms.DecimalField(
        label=_("Budget per order (euro, empty: none)"), required=False, min_value=0, decimal_places=2
    )
    approver = forms.ModelChoiceField(label=_("Approver"), queryset=Member.objects.none(), required=False)

    def __init__(self, *args, shop: Shop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = Member.objects.filter(shop=shop, may_approve=True).select_related("user")  # type: ignore[attr-defined]


class AddressForm(forms.Form):
    recipient = forms.CharField(label=_("Recipient"), max_length=120)
    street = forms.CharField(label=_("Street and number"), max_length=120)
    postcode = forms.CharField(label=_("Postcode"), max_length=12)
    city = forms.CharField(label=_("Town"), max_length=80)
    country = forms.CharField(label=_("Country"), max_length=2, initial="NL")


class CheckoutForm(AddressForm):
    address_entry = forms.TypedChoiceField(label=_("Address book"), coerce=int, required=False, empty_value=None)
    cost_centre = forms.CharField(label=_("Cost centre"), max_length=40, required=False)
    reference = forms.CharField(label=_("Your reference"), max_length=80, required=False)

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address_entry"].choices = [("", _("— enter an address below —"))] + [  # type: ignore[attr-defined]
            (e.pk, e.label) for e in entries
        ]
        for name in ("recipient", "street", "postcode", "city"):
            self.fields[name].required = False

    def clean(self):
        data = super().clean()
        if not data.get("address_entry") and not all(data.get(n) for n in ("recipient", "street", "postcode", "city")):  # type: ignore[union-attr]
            raise forms.ValidationError(_("Choose an address from the address book or enter one."))
        return data


class MemberChangeForm(forms.Form):
    """A member's permission set, budget and approver (the client agreed them for this person)."""

    may_order = forms.BooleanField(label=_("may order"), required=False)
    may_approve = forms.BooleanField(label=_("may approve orders"), required=False)
    sees_organisation = forms.BooleanField(label=_("sees the whole organisation's orders"), required=False)
    manages_addresses = forms.BooleanField(label=_("manages the address book"), required=False)
    manages_users = forms.BooleanField(label=_("manages users"), required=False)
    budget_euros = forms.DecimalField(
        label=_("Budget per order (euro, empty: none)"), required=False, min_value=0, decimal_places=2
    )
    approver = forms.ModelChoiceField(label=_("Approver"), queryset=Member.objects.none(), required=False)

    def __init__(self, *args, member: Member, **kwargs):
        initial = {
            **member.permission_set(),
            "approver": member.approver_id,
            "budget_euros": None if member.budget_cents is None else Decimal(member.budget_cents) / 100,
        }
        super().__init__(*args, initial=initial, **kwargs)  # type: ignore[misc]
        self.fields["approver"].queryset = (  # type: ignore[attr-defined]
            Member.objects.filter(shop=member.shop, may_approve=True).exclude(pk=member.pk).select_related("user")
        )
