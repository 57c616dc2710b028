"""The website banner's three categories, with their Dutch and English texts (editable data afterwards)."""

from django.db import migrations

CATEGORIES = [
    ("necessary", True, 0, "Noodzakelijk", "Strictly necessary",
     "Nodig om de website te laten werken en uw cookiekeuze te onthouden. Deze staan altijd aan.",
     "Needed for the website to work and to remember your cookie choice. Always on."),
    ("statistics", False, 1, "Statistieken", "Statistics",
     "Helpen ons te zien hoe de website gebruikt wordt, zodat wij hem kunnen verbeteren.",
     "Help us see how the website is used, so we can improve it."),
    ("marketing", False, 2, "Marketing", "Marketing",
     "Worden gebruikt om u relevante advertenties te tonen.",
     "Used to show you relevant advertisements."),
]


def seed(apps, schema_editor):
    ConsentCategory = apps.get_model("facilities", "ConsentCategory")
    for key, required, order, title_nl, title_en, description_nl, description_en in CATEGORIES:
        ConsentCategory.objects.get_or_create(key=key, defaults={
            "required": required, "order": order, "title_nl": title_nl, "title_en": title_en,
            "description_nl": description_nl, "description_en": description_en,
        })


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
