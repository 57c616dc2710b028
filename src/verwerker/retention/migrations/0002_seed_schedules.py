"""Seed the retention schedules with the privacy statement's figures (rules.DEFAULTS, frozen here)."""

from django.db import migrations

SEED = {
    "data_files": (31, "receipt; deleted at job completion, at the latest after the agreement's maximum",
                   "privacy statement (at most one month); processing agreement, Art. 28(3)(g) GDPR"),
    "sftp_folders": (31, "upload; the folders are emptied monthly", "privacy statement (SFTP folder cleaned monthly)"),
    "crm_financial": (7 * 365 + 2, "end of the relationship, or the invoice date", "fiscal retention duty, art. 52 AWR (7 years)"),
    "camera_footage": (28, "recording; longer only under an incident hold until the incident is closed",
                       "privacy statement (at most 4 weeks)"),
    "audit_events": (None, "the event", "accountability, Art. 5(2) GDPR; never shorter than the longest other class"),
}


def seed(apps, schema_editor):
    RetentionSchedule = apps.get_model("retention", "RetentionSchedule")
    for record_class, (keep_days, starts_from, basis) in SEED.items():
        RetentionSchedule.objects.get_or_create(
            record_class=record_class, defaults={"keep_days": keep_days, "starts_from": starts_from, "basis": basis}
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
