from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatafilesConfig(AppConfig):
    name = "verwerker.datafiles"
    verbose_name = _("Data files")

