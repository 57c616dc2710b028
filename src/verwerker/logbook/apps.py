from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "verwerker.logbook"
    label = "logbook"
    verbose_name = "Logbook"
