"""`verwerker check`: the vault must stay out of backups (P16)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning, register


def _inside(path: Path, parent: Path) -> bool:
    return path == parent or parent in path.parents


@register("verwerker")
def check_vault_not_backed_up(app_configs=None, **kwargs) -> list:
    """Warn when the vault lies inside a path that VERWERKER_BACKUP_INCLUDES says is backed up."""
    vault = Path(settings.VAULT_DIR).resolve()
    problems = []
    for include in settings.BACKUP_INCLUDES:
        included = Path(include).expanduser().resolve()
        if _inside(vault, included):
            problems.append(
                Warning(
                    f"The vault {vault} lies inside {included}, which VERWERKER_BACKUP_INCLUDES lists as backed up.",
                    hint=(
                        "Data files must not be backed up (P16). Exclude the vault in the backup tool "
                        "(see docs/backups.md), or move it with VERWERKER_VAULT_DIR."
                    ),
                    id="vault.W001",
                )
            )
    if vault.is_dir() and not (vault / "CACHEDIR.TAG").exists():
        problems.append(
            Warning(
                f"The vault {vault} has no CACHEDIR.TAG, so backup tools that honour it will not skip it.",
                hint="Start Verwerker once (it writes the tag), or create it as docs/backups.md shows.",
                id="vault.W002",
            )
        )
    return problems
