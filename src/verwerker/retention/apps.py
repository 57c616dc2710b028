from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "verwerker.retention"
    label = "retention"
    verbose_name = "Retention"

    def ready(self) -> None:
        from verwerker.retention import certificates  # noqa: F401  (issues certificates after each purge run)
