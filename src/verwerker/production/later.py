"""Enqueue a task once the current transaction commits, by its dotted path.

The actions name the task they hand work to without importing the tasks module, which imports the
actions: no import circle (actions -> tasks -> actions), and a rolled-back step enqueues nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue_after_commit(task_path: str, *args) -> None:
    transaction.on_commit(lambda: import_string(task_path).enqueue(*args))
