"""`verwerker scheduler`: enqueue periodic jobs when they are due (see runtime/schedule.py)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from verwerker.runtime.schedule import run_due


class Command(BaseCommand):
    help = "Enqueue periodic jobs (purges, checks) when due; any number may run, each run starts once."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between looks")
        parser.add_argument("--once", action="store_true", help="look once and exit")

    def handle(self, *args, interval: float, once: bool, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        while True:
            close_old_connections()
            for name in run_due():
                self.stdout.write(f"scheduler: enqueued {name}")
            if once or stop.wait(interval):
                break
        self.stdout.write("scheduler stopped")
