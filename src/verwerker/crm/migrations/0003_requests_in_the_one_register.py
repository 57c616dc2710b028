"""Requests of own relations move into the one request register (privacy.DataSubjectRequest).

Each existing RelationRequest becomes a register entry with the same reference, kind, dates, deadline and
receipt; the crm row keeps only the link and the person.

The columns the register now holds go in the next migration: on PostgreSQL a table with rows just
written in this transaction cannot be altered in it.
"""

import django.db.models.deletion
from django.db import migrations, models


def to_register(apps, schema_editor):
    RelationRequest = apps.get_model("crm", "RelationRequest")
    DataSubjectRequest = apps.get_model("privacy", "DataSubjectRequest")
    for row in RelationRequest.objects.all().order_by("pk"):
        entry = DataSubjectRequest.objects.create(
            reference=row.reference, concerns="own_relation", client=None, kind=row.kind, received_at=row.received_at,
            from_person=True, subject_mask=row.subject_mask, subject_keys={}, deadline=row.deadline,
            status="executed" if row.executed_at else "open", receipt=row.receipt, closed_at=row.executed_at,
        )
        row.request = entry
        row.save(update_fields=["request"])


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0002_seed_purposes"),
        ("privacy", "0005_one_register_for_all_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="relationrequest",
            name="request",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="relation_request", to="privacy.datasubjectrequest"),
        ),
        migrations.RunPython(to_register, migrations.RunPython.noop),
    ]
