"""`verwerker sftpd`: run the SFTP server until SIGTERM or Ctrl-C (open uploads are then discarded)."""

from __future__ import annotations

import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand

from verwerker.intake.sftpd import load_host_key, start_server, stop_server


class Command(BaseCommand):
    help = "Run the SFTP server (one account per client; uploads stream into the vault)."

    def add_arguments(self, parser):
        parser.add_argument("--fingerprint", action="store_true", help="print the host key's fingerprint and exit")

    def handle(self, *args, fingerprint: bool, **options):
        if fingerprint:
            self.stdout.write(load_host_key(settings.SFTP_HOST_KEY).get_fingerprint("sha256"))
            return
        asyncio.run(self._serve())
        self.stdout.write("sftpd stopped")

    async def _serve(self):
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        acceptor = await start_server(settings.SFTP_HOST, settings.SFTP_PORT, host_key_path=settings.SFTP_HOST_KEY)
        key = load_host_key(settings.SFTP_HOST_KEY)
        self.stdout.write(
            f"sftpd listening on {settings.SFTP_HOST}:{acceptor.get_port()} "
            f"(host key {key.get_fingerprint('sha256')})"
        )
        self.stdout.flush()
        await stop.wait()
        await stop_server(acceptor)
