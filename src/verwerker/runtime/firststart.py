"""What the first start of the embedded default creates: data directory, keys (master, signing), database, administrator."""  # noqa: E501

from __future__ import annotations

from django.conf import settings
from django.core.management import call_command

from verwerker.accounts.actions import do_bootstrap_admin
from verwerker.lib.keys import ensure_key_file, ensure_private_dir
from verwerker.retention.signing import ensure_signing_key


def prepare(*, stdout) -> str | None:
    """Make the installation ready to run; return the new administrator's password on the first start."""
    ensure_private_dir(settings.DATA_DIR)
    if not settings.MASTER_KEY:
        ensure_key_file(settings.MASTER_KEY_FILE, nbytes=32)

    ensure_signing_key()  # the house's certificate-signing key and its self-signed certificate, once
    call_command("migrate", interactive=False, verbosity=0)

    return do_bootstrap_admin()
