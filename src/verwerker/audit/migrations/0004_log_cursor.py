from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_action_without_choices"),
    ]

    operations = [
        migrations.CreateModel(
            name="LogCursor",
            fields=[
                ("name", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
