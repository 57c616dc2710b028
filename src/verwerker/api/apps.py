from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "verwerker.api"
    label = "api"
    verbose_name = "API"
