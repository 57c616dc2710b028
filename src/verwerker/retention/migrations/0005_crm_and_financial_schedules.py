"""Record classes "crm" and "financieel" for the house's own relations (P19), seeded with the statement's
figures (rules.DEFAULTS, frozen here): two years without relationship or consent; seven years after the
relationship ended."""

from django.db import migrations, models

SEED = {
    "crm": (2 * 365, "the last relationship, consent or contact with the person",
            "privacy statement (CRM data for administration and daily contact); Art. 5(1)(e) GDPR"),
    "financieel": (7 * 365 + 2, "end of the relationship", "fiscal retention duty, art. 52 AWR (7 years)"),
}


def seed(apps, schema_editor):
    RetentionSchedule = apps.get_model("retention", "RetentionSchedule")
    for record_class, (keep_days, starts_from, basis) in SEED.items():
        RetentionSchedule.objects.get_or_create(
            record_class=record_class, defaults={"keep_days": keep_days, "starts_from": starts_from, "basis": basis}
        )


class Migration(migrations.Migration):

    dependencies = [
        ('retention', '0004_certificate_reasons_one_list'),
    ]

    operations = [
        migrations.AlterField(
            model_name='retentionschedule',
            name='record_class',
            field=models.CharField(choices=[('data_files', 'client data files and everything derived from them'), ('sftp_folders', 'SFTP folders'), ('crm_financial', 'CRM and financial records'), ('camera_footage', 'camera footage'), ('audit_events', 'audit events'), ('crm', 'CRM: own relations without a relationship or consent'), ('financieel', 'financial records of own relations')], max_length=20, unique=True, verbose_name='record class'),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
