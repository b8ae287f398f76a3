"""Logging filters of the project (wired in settings.LOGGING)."""

from __future__ import annotations

import logging


class ForbiddenWithoutTraceback(logging.Filter):
    """A refused request (403) is logged as one line, not with the PermissionDenied traceback: refusals are
    routine (the permission matrix makes thousands), and a traceback would bury real errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
