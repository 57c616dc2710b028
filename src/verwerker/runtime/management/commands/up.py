"""`verwerker up`: the embedded default in one command: web, worker, scheduler and SFTP server, supervised.

First start creates the data directory, the keys and database, and an administrator whose password is
printed once. Ctrl-C or SIGTERM stops every process cleanly (the worker finishes its running task).

A supervisor that supervises: a child that dies is started again after a back-off (1 s, doubling to
RESTART_MAX_SECONDS; reset once it has run RESTART_RESET_SECONDS), and each restart is audited
(PROCESS_RESTARTED); the others keep running, so a killed worker does not take web and SFTP down.
Children die with `up`: each asks the kernel for a signal when its parent dies (PR_SET_PDEATHSIG,
set between fork and exec), so even `kill -9` of `up` leaves no orphan to clash with the next start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from verwerker.audit.actions import do_record_event
from verwerker.audit.actors import Actor
from verwerker.audit.events import EventType, Outcome
from verwerker.runtime.firststart import prepare

PROCESSES = ("web", "worker", "scheduler", "sftpd")
STOP_GRACE_SECONDS = 20
RESTART_MAX_SECONDS = 30
RESTART_RESET_SECONDS = 60
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int, sig: int):
    """A preexec_fn: the child gets ``sig`` when ``up`` dies; if it already died, the child exits."""

    def set_up() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request took effect
            os._exit(1)

    return set_up


def _start(name: str, env: dict) -> subprocess.Popen:
    # The worker is killed outright: its running task is reclaimed by the next worker (runtime/workers.py);
    # the others stop cleanly on SIGTERM within a moment.
    sig = signal.SIGKILL if name == "worker" else signal.SIGTERM
    return subprocess.Popen([sys.executable, "-m", "verwerker", name], env=env,
                            preexec_fn=_die_with_parent(os.getpid(), sig))


class Command(BaseCommand):
    help = "Start web, task worker, scheduler and SFTP server on the embedded default; Ctrl-C stops them all."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also create a demo client, file, template and job")

    def handle(self, *args, **options):
        password = prepare(stdout=self.stdout)
        if options.get("demo"):
            # By name: the demo app (development) sits above runtime, which does not import it.
            call_command("demo", stdout=self.stdout)
        url = f"http://{settings.HTTP_HOST}:{settings.HTTP_PORT}/"
        self.stdout.write(f"Verwerker at {url} (data in {settings.DATA_DIR})")
        if password:
            self.stdout.write(
                "First start: administrator 'admin' created. Its password is shown this once and must be "
                f"changed at first login:\n\n    {password}\n"
            )
        self.stdout.flush()

        env = {**os.environ, "VERWERKER_DATA_DIR": str(settings.DATA_DIR)}
        children = {name: _start(name, env) for name in PROCESSES}
        started = {name: time.monotonic() for name in PROCESSES}
        backoff = {name: 1.0 for name in PROCESSES}
        due: dict[str, float] = {}
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

        while not stop.wait(0.5):
            now = time.monotonic()
            for name, proc in children.items():
                if name in due or proc.poll() is None:
                    continue
                if now - started[name] >= RESTART_RESET_SECONDS:
                    backoff[name] = 1.0
                due[name] = now + backoff[name]
                self.stderr.write(f"{name} exited with status {proc.returncode}; restarting in {backoff[name]:.0f} s")
                self._audit_restart(name, proc.returncode, backoff[name])
                backoff[name] = min(backoff[name] * 2, RESTART_MAX_SECONDS)
            for name, when in list(due.items()):
                if now >= when:
                    del due[name]
                    children[name] = _start(name, env)
                    started[name] = time.monotonic()
        self._stop(children)
        self.stdout.write("Verwerker stopped")

    @staticmethod
    def _audit_restart(name: str, status: int | None, delay: float) -> None:

        try:
            close_old_connections()
            do_record_event(EventType.PROCESS_RESTARTED, actor=Actor.system("up"), outcome=Outcome.FAILURE,
                            details={"process": name, "status": status, "restart_in_seconds": delay})
        except Exception as exc:  # noqa: BLE001 - the restart matters more than its record
            sys.stderr.write(f"could not audit the restart of {name}: {type(exc).__name__}\n")

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
