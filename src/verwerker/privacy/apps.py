from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "verwerker.privacy"
    label = "privacy"
    verbose_name = "Privacy office"

    def ready(self) -> None:
        from verwerker.privacy import sources  # noqa: F401  (registers the impact sources)
