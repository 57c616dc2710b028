from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "verwerker.notifications"
    label = "notifications"
    verbose_name = "Notifications"
