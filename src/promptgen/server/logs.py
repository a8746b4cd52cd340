"""Structured logs: JSON lines when not on a TTY, one line per request, never the draft text."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "promptgen"
_HANDLER_NAME = "promptgen-structured"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message and any structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Human-readable lines for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname:<7} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(log_format: str = "auto", level: int = logging.INFO) -> logging.Logger:
    """The promptgen logger with one structured handler on stderr (idempotent)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(h.get_name() == _HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        use_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
        handler.setFormatter(JsonFormatter() if use_json else TextFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    return logger


def fields_text(fields: dict[str, Any]) -> str:
    """``key=value`` pairs for the message itself, so text logs carry the fields too."""
    return " ".join(f"{k}={v}" for k, v in fields.items())


def log(logger: logging.Logger, level: int, phrase: str, **fields: Any) -> None:
    """Log ``phrase`` followed by the fields; JSON output also gets them as keys."""
    logger.log(level, f"{phrase} {fields_text(fields)}".rstrip(), extra={"fields": fields})
