from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "verwerker.vault"
    label = "vault"
    verbose_name = "Vault"

    def ready(self) -> None:
        from verwerker.vault import checks  # noqa: F401  (registers the backup-exclusion check)
