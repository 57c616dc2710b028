from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "verwerker.facilities"
    label = "facilities"
    verbose_name = "Facilities"

    def ready(self) -> None:
        # retention/purge.py asks apps to register the purge of the record classes they own.
        from verwerker.facilities.purge import register

        register()
