from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "verwerker.privacy"
    label = "privacy"
    verbose_name = "Privacy office"

