from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProductionConfig(AppConfig):
    name = "verwerker.production"
    label = "production"
    verbose_name = _("Production: addresses, sorting, letters")

    def ready(self) -> None:
        from verwerker.production import checks  # noqa: F401  (registers the output-intent check)
