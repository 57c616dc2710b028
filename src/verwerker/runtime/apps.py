from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "verwerker.runtime"
    label = "runtime"
    verbose_name = "Processes and schedule"
