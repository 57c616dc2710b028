"""{{ column.kind|kind_label }}: a column kind as a person reads it ("last_name" -> "Achternaam"); and what
is stored in English about a data file, in the reader's language (datafiles/texts.py):
{{ f.profile|risk_reasons }} and {{ f.reason|unreadable_reason }}."""

from django import template

from verwerker.datafiles import texts
from verwerker.datafiles.kinds import label

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return label(kind)


@register.filter
def risk_reasons(profile: dict) -> list[str]:
    return texts.risk_reason_texts(profile if isinstance(profile, dict) else {})


@register.filter
def unreadable_reason(reason: str) -> str:
    return texts.unreadable_text(str(reason))
