"""`flush`, refused on anything but a test database: the audit log is append-only.

Django's test runner flushes the database between transactional tests; the audit triggers would
(rightly) refuse that. This override lifts them for the flush and puts them back, and only when the
database is a test database. On a real database it refuses, so nobody wipes the audit log by accident.
"""

from django.core.management import CommandError
from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from verwerker.audit import triggers


def _is_test_database(connection) -> bool:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return True
    name = str(connection.settings_dict.get("NAME") or "")
    return name.rsplit("/", 1)[-1].startswith("test_")


class Command(FlushCommand):
    help = "Remove all data from a TEST database (refused elsewhere: the audit log is append-only)."

    def handle(self, **options):
        connection = connections[options["database"]]
        if not _is_test_database(connection):
            raise CommandError(
                "flush refused: this is not a test database, and the audit log is append-only (P15)."
            )
        triggers.remove(connection)
        try:
            return super().handle(**options)
        finally:
            triggers.install(connection)
