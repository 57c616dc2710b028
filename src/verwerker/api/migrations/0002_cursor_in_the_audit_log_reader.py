from django.db import migrations


def to_log_cursor(apps, schema_editor):
    """The webhook cursor becomes the audit log reader's (audit.LogCursor "webhooks"), at the same seq:
    nothing delivered twice, nothing skipped."""
    WebhookCursor = apps.get_model("api", "WebhookCursor")
    LogCursor = apps.get_model("audit", "LogCursor")
    old = WebhookCursor.objects.filter(name="audit").values_list("seq", flat=True).first()
    if old is not None:  # none yet: the reader starts at 0, as the webhook cursor did
        LogCursor.objects.update_or_create(name="webhooks", defaults={"seq": old})


def to_webhook_cursor(apps, schema_editor):
    WebhookCursor = apps.get_model("api", "WebhookCursor")
    LogCursor = apps.get_model("audit", "LogCursor")
    seq = LogCursor.objects.filter(name="webhooks").values_list("seq", flat=True).first()
    if seq is not None:
        WebhookCursor.objects.update_or_create(name="audit", defaults={"seq": seq})
        LogCursor.objects.filter(name="webhooks").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_tokens_and_webhooks"),
        ("audit", "0004_log_cursor"),
    ]

    operations = [
        migrations.RunPython(to_log_cursor, to_webhook_cursor),
        migrations.DeleteModel(name="WebhookCursor"),
    ]
