"""`verwerker worker`: run queued tasks (django-tasks-db's worker; run any number, on any host).

Each task is claimed inside a locking transaction (SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL, an
exclusive transaction on SQLite), so every task runs on exactly one worker. SIGTERM finishes the
current task, then exits.
"""

from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand


class Command(DBWorkerCommand):
    help = "Run queued tasks until stopped (SIGTERM/Ctrl-C finish the running task first)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
