"""Slack tokens and healthbot's secrets kept out of every log record, whoever logs it.

slack_sdk logs whole Web API responses at DEBUG, `oauth.v2.access`'s `access_token` included, and
an exception's traceback can quote whatever its message held. A `logging.Filter` on a logger sees
only that logger's own records and one on a handler only that handler's, while healthbot does not
own the handlers (gunicorn's, pytest's, the command line's): so redaction happens where every
record is made, in the log record factory.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any

REDACTED = "[redacted]"
# Bot, user, app-level, refresh and rotated tokens: xoxb-, xoxp-, xoxa-, xoxr-, xoxe-, xoxe.xoxb-, xapp-.
TOKEN = re.compile(r"\b(?:xox[a-z](?:\.xox[a-z])?|xapp)-[0-9A-Za-z-]+")
# Shorter configured values are not redacted word for word: they would blank out ordinary text.
MIN_SECRET_LENGTH = 8

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """`text` with every Slack token and every registered secret replaced by [redacted]."""
    text = TOKEN.sub(REDACTED, text)
    for secret in sorted(_secrets, key=len, reverse=True):  # longest first: one may contain another
        text = text.replace(secret, REDACTED)
    return text


def install_redaction(secrets: Iterable[str | None] = ()) -> None:
    """Redact from now on in every record of this process, and these secrets too (idempotent)."""
    global _installed
    with _lock:
        _secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)
        if _installed:
            return
        _installed = True
        make_record = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)


def _scrub(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: the handler reports it, as logging would
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and record.exc_info[1] is not None:
        # Formatted now, as a handler would; a handler prints a record's exc_text as its traceback.
        text = logging.Formatter().formatException(record.exc_info)
        if redact(text) != text:
            # The exception itself goes too: a formatter or error tracker reading it would undo this.
            record.exc_text, record.exc_info = redact(text), None
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
