"""A data file's purged state is its blob's (shredding/shredded), no longer a state of its own; the record
count a certificate names moves onto the blob (vault.Blob.records)."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    DataFile = apps.get_model("datafiles", "DataFile")
    Blob = apps.get_model("vault", "Blob")
    # Rows marked purged go back to the pipeline state they reached; "deleted" now comes from the blob.
    DataFile.objects.filter(state="purged", record_count__isnull=False).update(state="profiled")
    DataFile.objects.filter(state="purged").exclude(reason="").update(state="unreadable")
    DataFile.objects.filter(state="purged").update(state="received")
    for blob_id, records in DataFile.objects.filter(record_count__isnull=False).values_list("blob_id", "record_count"):
        Blob.objects.filter(pk=blob_id, records__isnull=True).update(records=records)


class Migration(migrations.Migration):

    dependencies = [
        ("datafiles", "0001_initial"),
        ("vault", "0004_blob_records"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="datafile",
            name="purged_at",
        ),
        migrations.AlterField(
            model_name="datafile",
            name="state",
            field=models.CharField(
                choices=[
                    ("received", "received"), ("profiling", "being profiled"), ("profiled", "profiled"),
                    ("unreadable", "unreadable"),
                ],
                default="received", max_length=12, verbose_name="state",
            ),
        ),
    ]
