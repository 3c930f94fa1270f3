"""Retention: which closed programs hold personal data past the configured period and must be purged."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .programs import CLOSED, Program


@dataclass(frozen=True)
class RetentionPolicy:
    """Keep a closed program's personal data for ``period`` after it closed, then erase its participants."""

    period: timedelta

    def __post_init__(self) -> None:
        if self.period < timedelta(0):
            raise ValueError(f"retention period must not be negative, got {self.period}")

    @classmethod
    def days(cls, days: int) -> RetentionPolicy:
        return cls(timedelta(days=days))

    def purge_due_at(self, program: Program) -> datetime | None:
        """When the program's personal data falls due; None while it is open or once it has been purged."""
        if program.status != CLOSED or program.personal_data_purged_at is not None:
            return None
        closed_at = program.closed_at or program.updated_at
        return None if closed_at is None else closed_at + self.period

    def is_due(self, program: Program, now: datetime) -> bool:
        _require_aware(now)
        due = self.purge_due_at(program)
        return due is not None and due <= now

    def due_for_purge(self, programs: Iterable[Program], now: datetime) -> list[str]:
        """Ids of the programs due now, the longest-overdue first (ties by id, so the order is stable)."""
        _require_aware(now)
        due = [
            (due_at, program.program_id)
            for program in programs
            if (due_at := self.purge_due_at(program)) is not None and due_at <= now
        ]
        return [program_id for _, program_id in sorted(due)]


def _require_aware(now: datetime) -> None:
    # Mongo hands back UTC datetimes; comparing a naive ``now`` with them would raise or, worse, mislead.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (use datetime.now(timezone.utc))")
