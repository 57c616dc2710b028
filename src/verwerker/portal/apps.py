from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "verwerker.portal"
    label = "portal"
    verbose_name = "Web-to-print portals"
