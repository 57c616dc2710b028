from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "verwerker.audit"
    label = "audit"
    verbose_name = "Audit log"
