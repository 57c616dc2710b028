"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """A 4xx response (404, 403, a refused CSRF token) is logged as its one line, without the traceback
    Django attaches: it is the client's mistake or an attack, not a fault, and a probe of a thousand
    URLs must not bury the log (or the paths it tried) under a thousand tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
