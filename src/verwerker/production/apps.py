from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "verwerker.production"
    label = "production"
    verbose_name = "Production: addresses, sorting, letters"

    def ready(self) -> None:
        from verwerker.production import checks  # noqa: F401  (registers the output-intent check)
