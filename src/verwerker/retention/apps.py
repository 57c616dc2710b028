from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "verwerker.retention"
    label = "retention"
    verbose_name = "Retention"

