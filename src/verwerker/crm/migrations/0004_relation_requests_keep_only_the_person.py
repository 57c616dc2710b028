"""A relation request keeps only its person; the register holds the rest (copied over by
0003_requests_in_the_one_register)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0003_requests_in_the_one_register"),
    ]

    operations = [
        migrations.AlterField(
            model_name="relationrequest",
            name="request",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                       related_name="relation_request", to="privacy.datasubjectrequest"),
        ),
        migrations.AlterModelOptions(name="relationrequest", options={"ordering": ["-request__received_at"]}),
        migrations.RemoveField(model_name="relationrequest", name="deadline"),
        migrations.RemoveField(model_name="relationrequest", name="executed_at"),
        migrations.RemoveField(model_name="relationrequest", name="kind"),
        migrations.RemoveField(model_name="relationrequest", name="logged_by"),
        migrations.RemoveField(model_name="relationrequest", name="receipt"),
        migrations.RemoveField(model_name="relationrequest", name="received_at"),
        migrations.RemoveField(model_name="relationrequest", name="reference"),
        migrations.RemoveField(model_name="relationrequest", name="subject_mask"),
    ]
