"""Camera requests move into the one request register (privacy.DataSubjectRequest).

Each existing CameraRequest becomes a register entry with the same reference, kind, dates and deadline,
its answer as the receipt; the facilities row keeps the contact, the camera and the period.

The columns the register now holds go in the next migration: on PostgreSQL a table with rows just
written in this transaction cannot be altered in it.
"""

import django.db.models.deletion
from django.db import migrations, models


def _mask(requester: str) -> str:
    return " ".join(f"{w[0]}***" for w in requester.split()[:4]) or "?"


def to_register(apps, schema_editor):
    CameraRequest = apps.get_model("facilities", "CameraRequest")
    DataSubjectRequest = apps.get_model("privacy", "DataSubjectRequest")
    for row in CameraRequest.objects.all().order_by("pk"):
        entry = DataSubjectRequest.objects.create(
            reference=row.reference, concerns="camera", client=None, kind=row.kind, received_at=row.received_at,
            from_person=True, subject_mask=_mask(row.requester), subject_keys={}, deadline=row.deadline,
            status="executed" if row.closed_at else "open", receipt=row.outcome, closed_at=row.closed_at,
        )
        row.request = entry
        row.save(update_fields=["request"])


class Migration(migrations.Migration):

    dependencies = [
        ("facilities", "0002_seed_consent_categories"),
        ("privacy", "0005_one_register_for_all_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="camerarequest",
            name="request",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="camera_request", to="privacy.datasubjectrequest"),
        ),
        migrations.RunPython(to_register, migrations.RunPython.noop),
    ]
