"""When to try a webhook message again, and what a receiver's answer means for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

# Svix's schedule: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each failure.
DEFAULT_SCHEDULE_S: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
ABORT_HEADER = "webhook-delivery"
ABORT_VALUE = "abort-message"

Verdict = Literal["delivered", "abort", "gone", "retry"]


@dataclass(frozen=True)
class RetrySchedule:
    """Delays of a message's attempts: ``delays_s[0]`` before the first (after planning), ``delays_s[n]``
    after the n-th failure; once they run out the message has failed."""

    delays_s: tuple[float, ...] = DEFAULT_SCHEDULE_S

    def __post_init__(self) -> None:
        if not self.delays_s or any(delay < 0 for delay in self.delays_s):
            raise ValueError("a retry schedule needs at least one delay and no negative ones")

    @property
    def attempts(self) -> int:
        return len(self.delays_s)

    def first(self) -> timedelta:
        return timedelta(seconds=self.delays_s[0])

    def after_failure(self, attempt: int) -> timedelta | None:
        """The wait after attempt ``attempt`` (0-based) failed, or None when it was the last one."""
        following = attempt + 1
        return timedelta(seconds=self.delays_s[following]) if following < self.attempts else None


def verdict(status: int | None, headers: Mapping[str, str] | None = None) -> Verdict:
    """A 2xx delivers; ``webhook-delivery: abort-message`` stops the message's retries; 410 Gone means the
    endpoint is gone (it is disabled); anything else — timeouts, refused connections (``status`` None),
    redirects (never followed), 4xx and 5xx — is tried again on the schedule."""
    if status is not None and 200 <= status < 300:
        return "delivered"
    answer = {name.lower(): value for name, value in (headers or {}).items()}
    if answer.get(ABORT_HEADER, "").strip().lower() == ABORT_VALUE:
        return "abort"
    if status == 410:
        return "gone"
    return "retry"
