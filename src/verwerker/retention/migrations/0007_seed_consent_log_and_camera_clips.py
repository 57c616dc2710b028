"""Retention schedules for the house's own records (facilities): the website's consent log and camera clips."""

from django.db import migrations

SEED = {
    "consent_log": (2 * 365, "the visitor's choice; the banner asks again after a year",
                    "proof of consent, Art. 7(1) GDPR: as long as the consent is relied on, and a year to answer for it"),
    "camera_clips": (28, "recording; longer only under an incident hold until the incident is closed",
                     "privacy statement (camera footage at most 4 weeks)"),
}


def seed(apps, schema_editor):
    RetentionSchedule = apps.get_model("retention", "RetentionSchedule")
    for record_class, (keep_days, starts_from, basis) in SEED.items():
        RetentionSchedule.objects.get_or_create(
            record_class=record_class, defaults={"keep_days": keep_days, "starts_from": starts_from, "basis": basis}
        )


def unseed(apps, schema_editor):
    apps.get_model("retention", "RetentionSchedule").objects.filter(record_class__in=list(SEED)).delete()


class Migration(migrations.Migration):
    dependencies = [("retention", "0006_house_records_and_classes")]
    operations = [migrations.RunPython(seed, unseed)]
