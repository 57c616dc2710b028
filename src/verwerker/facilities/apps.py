from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "verwerker.facilities"
    label = "facilities"
    verbose_name = _("Facilities")

    def ready(self) -> None:
        # retention/purge.py asks apps to register the purge of the record classes they own.
        from verwerker.facilities.purge import register

        register()
