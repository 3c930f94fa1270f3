"""The common-slot rule: a pair needs one contiguous stretch of real time, at least a session long, in which
both are available each week (``min_timezone_overlap_hours`` is a weekly total that scattered half-hours
can reach).

Each person's UTC intervals are merged on the circular week (windows that touch across midnight or Sunday
→ Monday join), then eroded to the minutes a session may *start* at: ``[start, end - length + 1)``. Two
people share a slot of ``length`` minutes exactly when their start sets meet, so the whole cohort is
checked with the same segment-bitset matmul as the weekly overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np

from .availability import WEEK_MINUTES, interval_matrix, utc_intervals
from .model import Participant

Interval = tuple[int, int]


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``[start, end)`` minute intervals of the week, sorted; touching intervals join and an
    interval ending at the end of Sunday joins one starting on Monday at 00:00 UTC (it then ends past
    ``WEEK_MINUTES``)."""
    out: list[list[int]] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    if len(out) > 1 and out[0][0] == 0 and out[-1][1] == WEEK_MINUTES:
        first = out.pop(0)
        out[-1][1] = WEEK_MINUTES + first[1]
    return [(start, end) for start, end in out]


def slot_starts(intervals: Iterable[Interval], minutes: int) -> list[Interval]:
    """The minutes of the week at which a session of ``minutes`` can start inside ``intervals``, as
    ``[start, end)`` intervals within the week."""
    union = merged(intervals)
    if union == [(0, WEEK_MINUTES)]:
        return [(0, WEEK_MINUTES)]
    out: list[Interval] = []
    for start, end in union:
        last = end - minutes + 1
        if last <= start:
            continue
        if last <= WEEK_MINUTES:
            out.append((start, last))
        else:
            out.extend(((start, WEEK_MINUTES), (0, last - WEEK_MINUTES)))
    return out


def longest_common_slot(first: Iterable[Interval], second: Iterable[Interval]) -> int:
    """The longest stretch of minutes (circular week) inside both people's intervals."""
    a, b = _flat(merged(first)), _flat(merged(second))
    common: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            common.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return max((end - start for start, end in merged(common)), default=0)


def _flat(union: list[Interval]) -> list[Interval]:
    """A merged union with its wrapped interval split back at the end of the week, sorted."""
    out: list[Interval] = []
    for start, end in union:
        if end <= WEEK_MINUTES:
            out.append((start, end))
        else:
            out.extend(((start, WEEK_MINUTES), (0, end - WEEK_MINUTES)))
    return sorted(out)


def slot_matrix(people: Sequence[Participant], monday: date, minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Each person's possible session starts as 0/1 over segments, and the segments' lengths: two people
    share a slot of ``minutes`` exactly when ``(S * lengths) @ S.T`` is positive for them."""
    return interval_matrix(
        [slot_starts(utc_intervals(p.availability, p.timezone, monday), minutes) for p in people]
    )


def pair_longest_slot(leader: Participant, junior: Participant, monday: date) -> int:
    """The longest common slot of two people in the week of ``monday`` (for explanations)."""
    return longest_common_slot(
        utc_intervals(leader.availability, leader.timezone, monday),
        utc_intervals(junior.availability, junior.timezone, monday),
    )
