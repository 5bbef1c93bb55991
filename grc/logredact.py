"""Keep personal data out of application logs that quote database errors.

PostgreSQL's errors carry the offending values: ``DETAIL:  Key (nir)=(185…) already exists.``,
``DETAIL:  Failing row contains (…, Jean, DUPONT, …)``, and psycopg puts those lines in the
exception's text — so a traceback logged by ``logger.exception`` or by Django for a 500 would write a
NIR, a name or an e-mail address to the logs. This filter, on every handler of ``LOGGING``, removes the
``DETAIL``/``LINE`` lines and the values of ``Key (…)=(…)`` from a record's message and traceback
before any handler formats it. The constraint's name and the column stay: enough to debug.
"""

from __future__ import annotations

import logging
import re

_LINES = re.compile(r"^[ \t]*(DETAIL|LINE \d+):.*(\n[ \t]*\^[ \t]*)?$", re.MULTILINE)
_KEY_VALUES = re.compile(r"(Key \([^)]*\)=)\((?:[^()]|\([^()]*\))*\)")
_FAILING_ROW = re.compile(r"(Failing row contains )\(.*\)")
REDACTED = "(…)"


def redact(text: str) -> str:
    text = _LINES.sub("DETAIL: [valeurs masquées]", text)
    text = _KEY_VALUES.sub(rf"\g<1>{REDACTED}", text)
    return _FAILING_ROW.sub(rf"\g<1>{REDACTED}", text)


class RedactDatabaseDetails(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        try:
            message = record.getMessage()
        except Exception:  # a badly formatted record: leave it to the handler's own error path
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
