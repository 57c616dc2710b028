from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Development only: the demo a newcomer starts with (`verwerker up --demo`, `verwerker demo`).

    It sits above every other app and no app imports it; it has no models.
    """

    name = "verwerker.demo"
    label = "demo"
    verbose_name = "Demo (development)"
