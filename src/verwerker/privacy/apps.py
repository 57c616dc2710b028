from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "verwerker.privacy"
    label = "privacy"
    verbose_name = "Privacy office"

    def ready(self) -> None:
        from verwerker.privacy import register, sources

        register.CATEGORY_SOURCES.extend(sources.REGISTER_CATEGORY_SOURCES)
