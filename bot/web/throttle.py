"""Login throttling: too many failures for one account or from one address lock logins there.

In memory, so a restart forgets it; it only has to slow guessing to a crawl (with TOTP on top, a
stolen password alone is not enough). An address gets more tries than an account, since a whole
office may sit behind one address.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field

ADDRESS_FACTOR = 4


@dataclass
class LoginThrottle:
    attempts: int
    window: dt.timedelta
    _failures: dict[str, deque[dt.datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: dt.datetime) -> deque[dt.datetime]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def _limit(self, key: str) -> int:
        return self.attempts * (ADDRESS_FACTOR if key.startswith("addr:") else 1)

    def locked(self, keys: list[str], now: dt.datetime) -> bool:
        return any(len(self._recent(key, now)) >= self._limit(key) for key in keys)

    def failed(self, keys: list[str], now: dt.datetime) -> None:
        for key in keys:
            self._recent(key, now)
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
