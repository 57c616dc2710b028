from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "verwerker.facilities"
    label = "facilities"
    verbose_name = "Facilities"

