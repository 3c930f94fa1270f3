"""Check-ins and the program's cadence: when a pairing last met, and which missed period it is in."""

from __future__ import annotations

from datetime import date, timedelta

from shared.errors import InvalidInput


def check_held_on(held_on: date, today: date, activated_on: date | None) -> None:
    if held_on > today:
        raise InvalidInput({"held_on": [f"{held_on.isoformat()} is in the future"]})
    if activated_on is not None and held_on < activated_on - timedelta(days=1):
        raise InvalidInput({"held_on": [f"{held_on.isoformat()} is before the pairing began"]})


def missed_periods(last: date, today: date, cadence_weeks: int) -> int:
    """How many whole cadence periods passed since ``last`` without a check-in (0: on track)."""
    return max(0, (today - last).days // (7 * cadence_weeks))


def next_check(last: date, today: date, cadence_weeks: int) -> date:
    """When the cadence should next be looked at: the end of the period ``today`` is in."""
    return last + timedelta(weeks=cadence_weeks * (missed_periods(last, today, cadence_weeks) + 1))
