from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def euros(cents) -> str:
    """Cents as "€ 12,50" in the current language's number format."""
    if cents is None or cents == "":
        return ""
    return "€ " + number_format(int(cents) / 100, decimal_pos=2, use_l10n=True)
