"""Make the audit table append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)."""

from django.db import migrations

from verwerker.audit import triggers


def install(apps, schema_editor):
    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    triggers.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
