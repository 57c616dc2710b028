"""The privacy statement's purposes as data: newsletter, invitations, fitting promotions (the only one
that may use the purpose-bound fields, P04). Consents for them lapse after two years unless renewed."""

from django.db import migrations

PURPOSES = [
    ("nieuwsbrief", "Nieuwsbrief", "Informatie over onze diensten en ontwikkelingen, enkele keren per jaar.", 730, False),
    ("uitnodigingen", "Uitnodigingen", "Uitnodigingen voor bijeenkomsten, open dagen en beurzen.", 730, False),
    ("passende-acties", "Passende acties",
     "Acties die passen bij uw interesses; hiervoor gebruiken wij uw geboortedatum, interesses en sociale profielen.",
     730, True),
]


def seed(apps, schema_editor):
    Purpose = apps.get_model("crm", "Purpose")
    for code, name, description, valid_days, extra in PURPOSES:
        Purpose.objects.get_or_create(code=code, defaults={
            "name": name, "description": description, "valid_days": valid_days, "uses_extra_data": extra})


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
