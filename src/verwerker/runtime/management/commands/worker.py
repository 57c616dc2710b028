"""`verwerker worker`: run queued tasks (django-tasks-db's worker; run any number, on any host).

Each task is claimed inside a locking transaction (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, an
exclusive transaction on SQLite), so every task runs on exactly one worker. SIGTERM finishes the
current task, then exits.

The worker's id is host:pid:token, and it beats every few seconds (runtime/workers.py); on start it
gives back the tasks of dead workers (a worker killed mid-task left them RUNNING), so a worker that
replaces a killed one takes its work over at once. The recovery sweep does the same on its schedule.
"""

import threading

from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from verwerker.audit.actors import Actor
from verwerker.runtime.workers import new_worker_id


class Command(DBWorkerCommand):
    help = "Run queued tasks until stopped (SIGTERM/Ctrl-C finish the running task first)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False, worker_id=new_worker_id())

    def handle(self, *args, worker_id: str, **options):
        # local: same layer or upward, a cycle at the top
        from verwerker.runtime.workers import beat, do_reclaim_dead_tasks, start_beating

        beat(worker_id)
        do_reclaim_dead_tasks(actor=Actor.system("worker"))
        stop = threading.Event()
        start_beating(worker_id, stop)
        try:
            return super().handle(*args, worker_id=worker_id, **options)
        finally:
            stop.set()
