"""Weekly availability in real time: local windows to UTC minutes of a reference week, as segment bitsets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from .model import Participant, Window

WEEK_MINUTES = 7 * 24 * 60


def reference_monday(day: date) -> date:
    """The Monday of the week containing ``day``: offsets (DST included) are those of that week."""
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=65536)
def _utc_interval(timezone: str, monday: date, day: int, start: int, end: int) -> tuple[tuple[int, int], ...]:
    tz = ZoneInfo(timezone)
    local_day = monday + timedelta(days=day)
    week_start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)

    def utc_minute(on: date, minute: int) -> int:
        # aware + timedelta is wall-clock arithmetic; astimezone then applies that moment's real offset
        moment = datetime(on.year, on.month, on.day, tzinfo=tz) + timedelta(minutes=minute)
        return int((moment.astimezone(UTC) - week_start).total_seconds() // 60)

    first = utc_minute(local_day, start)
    last = utc_minute(local_day, end if end > start else end + 1440)
    if last <= first:
        return ()
    length = min(last - first, WEEK_MINUTES)
    first %= WEEK_MINUTES
    if first + length <= WEEK_MINUTES:
        return ((first, first + length),)
    return ((first, WEEK_MINUTES), (0, first + length - WEEK_MINUTES))


def utc_intervals(windows: Sequence[Window], timezone: str, monday: date) -> list[tuple[int, int]]:
    """UTC minute intervals ``[start, end)`` within the reference week (wrapped around Sunday→Monday)."""
    out: list[tuple[int, int]] = []
    for window in windows:
        out.extend(_utc_interval(timezone, monday, window.day, window.start, window.end))
    return out


def segment_matrix(people: Sequence[Participant], monday: date) -> tuple[np.ndarray, np.ndarray]:
    """Availability of each person as 0/1 over elementary UTC segments, and the segments' lengths.

    Segments are cut at every window boundary of every person, so ``(A * lengths) @ B.T`` is the
    exact overlap in minutes; with half-hour-aligned windows there are at most 336 segments.
    """
    return interval_matrix([utc_intervals(p.availability, p.timezone, monday) for p in people])


def interval_matrix(intervals: Sequence[Sequence[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray]:
    """Per person, 0/1 over the segments their intervals cut the week into, and the segments' lengths."""
    bounds = {0, WEEK_MINUTES}
    for person in intervals:
        for start, end in person:
            bounds.add(start)
            bounds.add(end)
    cuts = np.array(sorted(bounds), dtype=np.int64)
    lengths = np.diff(cuts).astype(np.float32)
    counts = np.zeros((len(intervals), len(cuts)), dtype=np.int32)
    rows, starts, ends = [], [], []
    for index, person in enumerate(intervals):
        for start, end in person:
            rows.append(index)
            starts.append(start)
            ends.append(end)
    if rows:
        row_idx = np.array(rows)
        np.add.at(counts, (row_idx, np.searchsorted(cuts, starts)), 1)
        np.add.at(counts, (row_idx, np.searchsorted(cuts, ends)), -1)
    matrix = (np.cumsum(counts, axis=1)[:, :-1] > 0).astype(np.float32)
    return matrix, lengths
