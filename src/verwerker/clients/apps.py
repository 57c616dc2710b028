from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "verwerker.clients"
    label = "clients"
    verbose_name = "Clients and agreements"
