"""Structured logs that carry no message text and no identifiers (safety.md), in bounded volume.

Our own log calls pass only error types, codes and counts. Libraries are noisier: python-telegram
-bot logs whole updates (at DEBUG, and a batch it cannot parse at CRITICAL, in a loop), and httpx
logs request URLs, which hold the bot token. So library loggers are held at WARNING whatever the
configured level, and whatever they still emit, at any level, is reduced to its logger, level and
exception type (``Contain``). ``Bounded`` caps the volume: past a burst, lines are counted, not
written, and the count is reported when writing resumes.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TextIO

NOISY = ("telegram", "httpx", "httpcore", "aiohttp", "aiosqlite", "hpack", "asyncio", "apscheduler")
OURS = ("bot", "handlers", "knowledge", "benchmarks", "__main__")


class Contain(logging.Filter):
    """A record from anything but our own code keeps its level and logger, never its words."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(OURS):
            error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
            record.msg = "library message withheld" + (f" ({error})" if error else "")
            record.args = ()
            record.exc_text = None
            record.stack_info = None
        return True


class Bounded(logging.Filter):
    """A token bucket over every record: at most ``burst`` at once, ``per_second`` after."""

    def __init__(self, per_second: float = 20.0, burst: int = 200) -> None:
        super().__init__()
        self.per_second = per_second
        self.burst = float(burst)
        self.tokens = float(burst)
        self.last = time.monotonic()
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.per_second)
        self.last = now
        if self.tokens < 1.0:
            self.suppressed += 1
            return False
        self.tokens -= 1.0
        if self.suppressed:
            record.msg = f"{self.suppressed} log lines suppressed; then: {record.getMessage()}"
            record.args = ()
            self.suppressed = 0
        return True


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


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(Contain())
    handler.addFilter(Bounded())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    floor = max(logging.getLevelName(level), logging.WARNING)
    for name in NOISY:
        logging.getLogger(name).setLevel(floor)
