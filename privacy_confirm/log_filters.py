"""Logging filters. A personal link's token is a password to the person's page, and Django
logs request paths (CSRF refusals, errors, the development server), so it is redacted
before any handler writes it."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/privacy/)[A-Za-z0-9_-]{16,}")
REDACTED = r"\1[token]"


def redact_personal_links(text: str) -> str:
    return TOKEN_IN_PATH.sub(REDACTED, text)


class RedactPersonalLinks(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_personal_links(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
