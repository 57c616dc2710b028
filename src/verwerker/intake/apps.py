from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "verwerker.intake"
    label = "intake"
    verbose_name = "Intake"
