from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "verwerker.production"
    label = "production"
    verbose_name = "Production: addresses, sorting, letters"
