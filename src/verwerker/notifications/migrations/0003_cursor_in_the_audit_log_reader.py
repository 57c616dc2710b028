from django.db import migrations


def to_log_cursor(apps, schema_editor):
    """The dispatcher's cursor becomes the audit log reader's (audit.LogCursor "notifications"), at the
    same seq: nothing told twice, nothing skipped."""
    DispatchCursor = apps.get_model("notifications", "DispatchCursor")
    LogCursor = apps.get_model("audit", "LogCursor")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    old = DispatchCursor.objects.filter(name="audit").values_list("last_seq", flat=True).first()
    if old is None:  # as 0002: an installation with a history starts telling from now
        old = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    LogCursor.objects.update_or_create(name="notifications", defaults={"seq": old})


def to_dispatch_cursor(apps, schema_editor):
    DispatchCursor = apps.get_model("notifications", "DispatchCursor")
    LogCursor = apps.get_model("audit", "LogCursor")
    seq = LogCursor.objects.filter(name="notifications").values_list("seq", flat=True).first()
    if seq is not None:
        DispatchCursor.objects.update_or_create(name="audit", defaults={"last_seq": seq})
        LogCursor.objects.filter(name="notifications").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_start_cursor_at_the_log_head"),
        ("audit", "0004_log_cursor"),
    ]

    operations = [
        migrations.RunPython(to_log_cursor, to_dispatch_cursor),
        migrations.DeleteModel(name="DispatchCursor"),
    ]
