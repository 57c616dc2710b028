from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "verwerker.portal"
    label = "portal"
    verbose_name = "Web-to-print portals"

    def ready(self) -> None:
        # retention/purge.py asks apps to register the purge of the record classes they own.
        from verwerker.portal.purge import register

        register()
