"""Structured logs that carry no message text and no identifiers (safety.md).

Our own log calls pass only error types, codes and counts. Libraries are noisier: python-telegram
-bot logs whole updates at DEBUG, and httpx logs request URLs, which hold the bot token. So they
are held at WARNING whatever the configured level.
"""

from __future__ import annotations

import json
import logging
import sys

NOISY = ("telegram", "httpx", "httpcore", "aiohttp.access", "aiosqlite", "hpack", "asyncio")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__  # the type, never the payload
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    floor = max(logging.getLevelName(level), logging.WARNING)
    for name in NOISY:
        logging.getLogger(name).setLevel(floor)
