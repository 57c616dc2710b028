from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "verwerker.lists"
    label = "lists"
    verbose_name = "Lists"
