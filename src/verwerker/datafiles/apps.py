from django.apps import AppConfig


class DatafilesConfig(AppConfig):
    name = "verwerker.datafiles"
    verbose_name = "Data files"

