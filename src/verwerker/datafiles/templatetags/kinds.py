"""{{ column.kind|kind_label }}: a column kind as a person reads it ("last_name" -> "Achternaam")."""

from django import template

from verwerker.datafiles.kinds import label

register = template.Library()


@register.filter
def kind_label(kind: str) -> str:
    return label(kind)
