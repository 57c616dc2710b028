from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "verwerker.crm"
    label = "crm"
    verbose_name = "CRM: the house's own relations"
