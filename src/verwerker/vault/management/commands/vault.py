"""`verwerker vault rotate-key --new-key-file F`: re-wrap every data key under a new master key."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from verwerker.audit.actors import Actor
from verwerker.vault import crypto, storage
from verwerker.vault.actions import do_rotate_master_key


def _read_key(path: str) -> bytes:
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: cannot read the key file ({exc})") from None
    try:
        return crypto.parse_master_key(text, source=path)
    except crypto.VaultError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    help = "Vault administration: rotate the master key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True)
        rotate = sub.add_parser("rotate-key", help="re-wrap all data keys under a new master key")
        rotate.add_argument("--new-key-file", required=True, help="file with the new key (base64 of 32 bytes)")
        rotate.add_argument("--old-key-file", help="the key the blobs are wrapped with now (default: the key in use)")

    def handle(self, *args, subcommand: str, **options):
        new_key = _read_key(options["new_key_file"])
        old_key = _read_key(options["old_key_file"]) if options["old_key_file"] else None
        # Keys wrapped by the master key live in the vault's blobs and in rows of apps above the vault (the
        # CRM's purpose-bound fields, the portals' orderer data): settings.MASTER_KEY_HOLDERS lists the
        # function of each that re-wraps its own, as RETENTION_PURGERS lists purgers. A key left wrapped by
        # the old master would be unreadable afterwards.
        holders = [import_string(path) for path in settings.MASTER_KEY_HOLDERS]
        actor = Actor.system("vault rotate-key")
        old_key = old_key if old_key is not None else storage.master_key()
        try:
            result = do_rotate_master_key(new_key, old_key=old_key, actor=actor)
            sealed = [(path, rewrap(old_key, new_key, actor=actor))
                      for path, rewrap in zip(settings.MASTER_KEY_HOLDERS, holders, strict=True)]
        except crypto.VaultError as exc:
            raise CommandError(f"rotation stopped: {exc}") from None
        self.stdout.write(
            f"re-wrapped {result['rewrapped']} data keys: {result['old_key_id']} -> {result['new_key_id']}"
            f" ({result['under_new_key']} blobs under the new key, {result['other']} under another key)"
        )
        for path, counts in sealed:
            self.stdout.write(f"re-wrapped {counts['rewrapped']} sealed keys of {path.rsplit('.', 2)[0]}"
                              f" ({counts['other']} under another key)")
        if result["other"] or any(counts["other"] for _path, counts in sealed):
            raise CommandError("some keys are wrapped with a key that is neither the old nor the new one")
        if not settings.MASTER_KEY:
            storage.install_key_file(Path(settings.MASTER_KEY_FILE), new_key)
            self.stdout.write(f"the new key is now in {settings.MASTER_KEY_FILE}; destroy every copy of the old one")
        else:
            self.stdout.write(
                "now set VERWERKER_MASTER_KEY (or _FILE) to the new key and restart every process; "
                "then destroy every copy of the old key"
            )
