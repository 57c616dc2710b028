from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "verwerker.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from verwerker.accounts import roles, signals  # noqa: F401  (login auditing)

        post_migrate.connect(roles.sync_role_groups, sender=self)
