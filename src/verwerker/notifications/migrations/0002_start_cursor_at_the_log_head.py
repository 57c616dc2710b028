from django.db import migrations


def start_at_head(apps, schema_editor):
    """An installation that already has a history starts telling from now, not from its first event."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    DispatchCursor = apps.get_model("notifications", "DispatchCursor")
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    DispatchCursor.objects.get_or_create(name="audit", defaults={"last_seq": head})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_notifications"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(start_at_head, migrations.RunPython.noop)]
