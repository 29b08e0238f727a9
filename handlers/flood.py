"""Per-person flood control: a token bucket per conversation, kept in memory.

A person who sends faster than the bucket refills gets one gentle notice (with the emergency
numbers) and then their messages are dropped until the bucket refills, so one flood cannot starve
everyone else's replies. Dropped messages cost no database work beyond marking them processed.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    noticed: bool = False


@dataclass
class FloodGate:
    burst: int = 8
    per_minute: float = 30.0
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def admit(self, key: str, now: float, urgent: bool = False) -> str:
        """'ok', 'notice' (the first refused message of a flood) or 'drop'. An urgent message
        is always 'ok' (it still spends a token). The notice comes once per flood: a flood ends
        when the bucket is full again, not at the first token back."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst),
                            bucket.tokens + (now - bucket.stamp) * self.per_minute / 60.0)
        bucket.stamp = now
        if bucket.tokens >= float(self.burst):
            bucket.noticed = False
        if bucket.tokens >= 1.0 or urgent:
            bucket.tokens = max(0.0, bucket.tokens - 1.0)
            return "ok"
        if bucket.noticed:
            return "drop"
        bucket.noticed = True
        return "notice"

    def forget_idle(self, now: float, idle: float = 600.0) -> None:
        """Drop buckets of people who went quiet, so memory does not grow without end."""
        for key in [k for k, b in self._buckets.items() if now - b.stamp > idle]:
            del self._buckets[key]
