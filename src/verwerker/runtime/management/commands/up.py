"""`verwerker up`: the embedded default in one command: web, worker, scheduler and SFTP server, stopped together.

First start creates the data directory, the keys and database, and an administrator whose password is
printed once. Ctrl-C or SIGTERM stops every process cleanly (the worker finishes its running task); if
one process dies, the others are stopped too and `up` exits non-zero, so a supervisor notices.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from verwerker.runtime.firststart import prepare

PROCESSES = ("web", "worker", "scheduler", "sftpd")
STOP_GRACE_SECONDS = 20


class Command(BaseCommand):
    help = "Start web, task worker, scheduler and SFTP server on the embedded default; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also create a demo client, file, template and job")

    def handle(self, *args, **options):
        password = prepare(stdout=self.stdout)
        if options.get("demo"):
            from verwerker.production.demo import create_demo

            create_demo(write=self.stdout.write)
        url = f"http://{settings.HTTP_HOST}:{settings.HTTP_PORT}/"
        self.stdout.write(f"Verwerker at {url} (data in {settings.DATA_DIR})")
        if password:
            self.stdout.write(
                "First start: administrator 'admin' created. Its password is shown this once and must be "
                f"changed at first login:\n\n    {password}\n"
            )
        self.stdout.flush()

        env = {**os.environ, "VERWERKER_DATA_DIR": str(settings.DATA_DIR)}
        children = {
            name: subprocess.Popen([sys.executable, "-m", "verwerker", name], env=env) for name in PROCESSES
        }
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

        failed = None
        while not stop.wait(0.5):
            failed = next((n for n, p in children.items() if p.poll() is not None), None)
            if failed:
                self.stderr.write(f"{failed} exited with status {children[failed].returncode}; stopping")
                break
        self._stop(children)
        if failed:
            sys.exit(1)
        self.stdout.write("Verwerker stopped")

    @staticmethod
    def _stop(children: dict[str, subprocess.Popen]) -> None:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for proc in children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
