"""A camera request keeps only the footage it is about and the contact; the register holds the rest
(copied over by 0003_camera_requests_in_the_one_register)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("facilities", "0003_camera_requests_in_the_one_register"),
    ]

    operations = [
        migrations.AlterField(
            model_name="camerarequest",
            name="request",
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT,
                                       related_name="camera_request", to="privacy.datasubjectrequest"),
        ),
        migrations.AlterModelOptions(name="camerarequest", options={"ordering": ["-request__received_at"]}),
        migrations.RemoveConstraint(model_name="camerarequest", name="camera_request_answered"),
        migrations.RemoveField(model_name="camerarequest", name="closed_at"),
        migrations.RemoveField(model_name="camerarequest", name="deadline"),
        migrations.RemoveField(model_name="camerarequest", name="kind"),
        migrations.RemoveField(model_name="camerarequest", name="outcome"),
        migrations.RemoveField(model_name="camerarequest", name="received_at"),
        migrations.RemoveField(model_name="camerarequest", name="reference"),
    ]
