"""Field rules shared by the HTTP schemas, the aggregates and the CSV importer, so all three say the same."""

from __future__ import annotations

import functools
import itertools
import re
import zoneinfo
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import langcodes

from shared.contracts.payloads import (
    CUSTOM_AREA_PATTERN,
    EMPLOYEE_ID_PATTERN,
    HHMM_PATTERN,
)
from shared.vocabulary import CUSTOM_AREA_PREFIX, FOCUS_AREAS, GROWTH_GOALS

from .errors import InvalidValue

LEVEL_MIN, LEVEL_MAX = 1, 12
CAPACITY_MIN, CAPACITY_MAX = 1, 5
MAX_AVAILABILITY_WINDOWS = 21
MAX_LANGUAGES = 10
MAX_TERMS = 20
MAX_TEXT = 120
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_EMPLOYEE_ID = re.compile(EMPLOYEE_ID_PATTERN)
_CUSTOM_AREA = re.compile(CUSTOM_AREA_PATTERN)
_HHMM = re.compile(HHMM_PATTERN)
MAX_CUSTOM_AREA_LENGTH = 64


@functools.cache
def iana_timezones() -> frozenset[str]:
    """The IANA zone names this interpreter knows (tzdata), read once: the set is large and static."""
    return frozenset(zoneinfo.available_timezones())


def check_employee_id(value: Any, what: str = "employee id") -> str:
    if not isinstance(value, str) or not _EMPLOYEE_ID.match(value.strip()):
        raise InvalidValue(
            f"{what} must be 1-64 letters, digits, '.', '_' or '-' starting with a letter or digit, "
            f"got {value!r}"
        )
    return value.strip()


def check_level(value: Any) -> int:
    """Seniority: 1 = graduate … 12 = CEO; a whole number, never a bool or a float."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"level must be a whole number from {LEVEL_MIN} to {LEVEL_MAX}, got {value!r}")
    if not LEVEL_MIN <= value <= LEVEL_MAX:
        raise InvalidValue(f"level must be from {LEVEL_MIN} (graduate) to {LEVEL_MAX} (CEO), got {value}")
    return value


def check_capacity(value: Any) -> int:
    """How many leaders one junior mentors at once."""
    if isinstance(value, bool) or not isinstance(value, int) or not CAPACITY_MIN <= value <= CAPACITY_MAX:
        raise InvalidValue(
            f"capacity must be a whole number from {CAPACITY_MIN} to {CAPACITY_MAX}, got {value!r}"
        )
    return value


def check_timezone(value: Any) -> str:
    if not isinstance(value, str) or value not in iana_timezones():
        raise InvalidValue(f"timezone must be an IANA time zone name such as 'Europe/Lisbon', got {value!r}")
    return value


@functools.lru_cache(maxsize=4096)
def _standard_language(tag: str) -> str | None:
    # Cached: imports repeat the same handful of tags thousands of times.
    if not tag or not langcodes.tag_is_valid(tag):
        return None
    return langcodes.standardize_tag(tag)


def check_language(value: Any) -> str:
    """A BCP 47 tag, returned in its standard form ('en-us' → 'en-US', 'eng' → 'en')."""
    standard = _standard_language(value.strip()) if isinstance(value, str) else None
    if standard is None:
        raise InvalidValue(f"{value!r} is not a valid BCP 47 language tag (e.g. 'en', 'pt-BR')")
    return standard


def check_languages(values: Any, *, required: bool = True) -> list[str]:
    """Normalised, de-duplicated language tags in the order given."""
    items = _as_list(values, "languages")
    if required and not items:
        raise InvalidValue("at least one language is required")
    if len(items) > MAX_LANGUAGES:
        raise InvalidValue(f"at most {MAX_LANGUAGES} languages, got {len(items)}")
    bad = [
        item
        for item in items
        if (_standard_language(item.strip()) if isinstance(item, str) else None) is None
    ]
    if bad:
        raise InvalidValue(
            f"not valid BCP 47 language tags (e.g. 'en', 'pt-BR'): {', '.join(map(repr, bad))}"
        )
    return _dedupe(check_language(item) for item in items)


def check_custom_area(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_CUSTOM_AREA_LENGTH or not _CUSTOM_AREA.match(value):
        raise InvalidValue(
            f"custom focus areas look like '{CUSTOM_AREA_PREFIX}<slug>' (lower-case words joined by '-', "
            f"at most {MAX_CUSTOM_AREA_LENGTH} characters), got {value!r}"
        )
    return value


def check_terms(values: Any, allowed: Collection[str], what: str) -> list[str]:
    """Vocabulary terms, de-duplicated; every unknown term is named in one message with the choices."""
    items = _as_list(values, what)
    if len(items) > MAX_TERMS:
        raise InvalidValue(f"at most {MAX_TERMS} {what}, got {len(items)}")
    unknown = [item for item in items if not isinstance(item, str) or item not in allowed]
    if unknown:
        raise InvalidValue(
            f"unknown {what}: {', '.join(map(repr, unknown))}; expected one of {', '.join(sorted(allowed))}"
        )
    return _dedupe(items)


def check_topics(values: Any, custom_areas: Collection[str] = ()) -> list[str]:
    """Topics come from the curated focus areas or the program's own ``custom:<slug>`` areas."""
    return check_terms(values, _focus_areas_with(frozenset(custom_areas)), "focus areas")


@functools.lru_cache(maxsize=256)
def _focus_areas_with(custom_areas: frozenset[str]) -> frozenset[str]:
    return frozenset(FOCUS_AREAS) | custom_areas


def check_growth_goals(values: Any, what: str = "growth goals") -> list[str]:
    return check_terms(values, GROWTH_GOALS, what)


def check_text(value: Any, what: str, *, max_length: int = MAX_TEXT) -> str | None:
    """Optional free text: blank becomes None; never longer than ``max_length``."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"{what} must be text, got {value!r}")
    value = value.strip()
    if len(value) > max_length:
        raise InvalidValue(f"{what} must be at most {max_length} characters, got {len(value)}")
    return value or None


def minutes(hhmm: Any) -> int:
    """'09:30' → 570; '24:00' (end of day) → 1440."""
    if not isinstance(hhmm, str) or not _HHMM.match(hhmm):
        raise InvalidValue(f"times are HH:MM on a 24-hour clock (00:00-24:00), got {hhmm!r}")
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def check_availability(windows: Any) -> list[dict[str, Any]]:
    """Weekly windows {day 0=Monday…6, start, end} in the participant's timezone; sorted, no overlaps."""
    items = _as_list(windows, "availability")
    if len(items) > MAX_AVAILABILITY_WINDOWS:
        raise InvalidValue(f"at most {MAX_AVAILABILITY_WINDOWS} availability windows, got {len(items)}")
    parsed: list[tuple[int, int, int, dict[str, Any]]] = []
    for number, window in enumerate(items, start=1):
        if not isinstance(window, Mapping) or set(window) != {"day", "start", "end"}:
            raise InvalidValue(f"window {number} must have exactly day, start and end, got {window!r}")
        day, start, end = window["day"], window["start"], window["end"]
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise InvalidValue(f"window {number}: day must be 0 (Monday) to 6 (Sunday), got {day!r}")
        try:
            start_min, end_min = minutes(start), minutes(end)
        except InvalidValue as error:
            raise InvalidValue(f"window {number}: {error}") from None
        if start_min >= end_min:
            raise InvalidValue(f"window {number}: start {start} must be before end {end}")
        parsed.append((day, start_min, end_min, {"day": day, "start": start, "end": end}))
    parsed.sort(key=lambda item: (item[0], item[1], item[2]))
    for previous, current in itertools.pairwise(parsed):
        if previous[0] == current[0] and current[1] < previous[2]:
            p, c = previous[3], current[3]
            raise InvalidValue(
                f"windows overlap on {DAY_NAMES[c['day']]}: "
                f"{p['start']}-{p['end']} and {c['start']}-{c['end']}"
            )
    return [item[3] for item in parsed]


def _as_list(values: Any, what: str) -> list[Any]:
    if values is None:
        return []
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise InvalidValue(f"{what} must be a list, got {values!r}")
    return list(values)


def _dedupe(items: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(items))
