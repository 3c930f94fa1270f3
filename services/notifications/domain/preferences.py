"""A person's delivery preferences: channels per category, locale, quiet hours and a daily digest, and the
times they imply (in the person's own IANA time zone, DST-correct through zoneinfo). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.notifications.domain.routing import CATEGORIES, Category
from shared.errors import InvalidInput

PERSONAL_CHANNELS = ("in_app", "email")
SUPPORTED_LOCALES = ("en", "fr", "de")
DEFAULT_LOCALE = "en"
DEFAULT_DIGEST_HOUR = 8


@dataclass(frozen=True)
class QuietHours:
    """A daily window (local time) in which e-mails wait; ``start > end`` spans midnight."""

    start: time
    end: time

    def contains(self, local: time) -> bool:
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class Preferences:
    """What one person (by employee id) chose; categories they never touched use the defaults."""

    channels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    locale: str | None = None
    quiet_hours: QuietHours | None = None
    digest: bool = False
    digest_hour: int = DEFAULT_DIGEST_HOUR

    def channels_for(self, category: str) -> frozenset[str]:
        """Mandatory categories always reach the inbox and e-mail, whatever is stored."""
        if CATEGORIES[category].mandatory:
            return frozenset(PERSONAL_CHANNELS)
        return self.channels.get(category, frozenset(PERSONAL_CHANNELS))

    def allows(self, category: str, channel: str) -> bool:
        return channel in self.channels_for(category)

    def without(self, category: str, channel: str) -> Preferences:
        """One-click unsubscribe: this channel off for this category (mandatory ones stay on)."""
        if CATEGORIES[category].mandatory:
            return self
        kept = self.channels_for(category) - {channel}
        return replace(self, channels={**self.channels, category: kept})

    def to_record(self) -> dict[str, Any]:
        return {
            "channels": {c: sorted(chs) for c, chs in self.channels.items()},
            "locale": self.locale,
            "quiet_hours": None
            if self.quiet_hours is None
            else {"start": _hhmm(self.quiet_hours.start), "end": _hhmm(self.quiet_hours.end)},
            "digest": self.digest,
            "digest_hour": self.digest_hour,
        }

    def view(self) -> dict[str, Any]:
        """Every category with its effective channels and whether it can be switched off."""
        return {
            **self.to_record(),
            "channels": {name: sorted(self.channels_for(name)) for name in CATEGORIES},
            "mandatory": sorted(name for name, c in CATEGORIES.items() if c.mandatory),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any] | None) -> Preferences:
        if not record:
            return cls()
        quiet = record.get("quiet_hours")
        return cls(
            channels={c: frozenset(chs) for c, chs in (record.get("channels") or {}).items()},
            locale=record.get("locale"),
            quiet_hours=None if not quiet else QuietHours(_time(quiet["start"]), _time(quiet["end"])),
            digest=bool(record.get("digest")),
            digest_hour=int(record.get("digest_hour", DEFAULT_DIGEST_HOUR)),
        )


def updated(current: Preferences, change: Mapping[str, Any]) -> Preferences:
    """``current`` with the fields ``change`` names; every refusal at once, each under its field
    (``channels.pairing``: mandatory categories cannot lose a channel)."""
    errors: dict[str, list[str]] = {}
    channels = dict(current.channels)
    for name, chosen in (change.get("channels") or {}).items():
        category: Category | None = CATEGORIES.get(name)
        key = f"channels.{name}"
        if category is None:
            errors[key] = [f"unknown category; one of {', '.join(CATEGORIES)}"]
            continue
        unknown = set(chosen) - set(PERSONAL_CHANNELS)
        if unknown:
            errors[key] = [f"unknown channel {sorted(unknown)}; one of {', '.join(PERSONAL_CHANNELS)}"]
        elif category.mandatory and set(chosen) != set(PERSONAL_CHANNELS):
            errors[key] = [f"{name} messages are mandatory: they cannot be switched off"]
        else:
            channels[name] = frozenset(chosen)
    locale = change.get("locale", current.locale)
    if locale is not None and supported_locale(locale) is None:
        errors["locale"] = [f"unsupported locale; one of {', '.join(SUPPORTED_LOCALES)}"]
    quiet = current.quiet_hours
    if "quiet_hours" in change:
        quiet = None if change["quiet_hours"] is None else _quiet(change["quiet_hours"], errors)
    hour = change.get("digest_hour", current.digest_hour)
    if not 0 <= hour <= 23:
        errors["digest_hour"] = ["an hour of the day, 0-23"]
    if errors:
        raise InvalidInput(errors)
    return Preferences(channels, locale, quiet, bool(change.get("digest", current.digest)), hour)


def _quiet(value: Mapping[str, Any], errors: dict[str, list[str]]) -> QuietHours | None:
    try:
        quiet = QuietHours(_time(value["start"]), _time(value["end"]))
    except (KeyError, ValueError):
        errors["quiet_hours"] = ["start and end as HH:MM"]
        return None
    if quiet.start == quiet.end:
        errors["quiet_hours"] = ["start and end must differ"]
    return quiet


def _time(text: str) -> time:
    return time.fromisoformat(text)


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def supported_locale(tag: str | None) -> str | None:
    """The supported locale a BCP 47 tag asks for (``fr-CA`` → ``fr``), or None."""
    if not tag:
        return None
    language = tag.replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def choose_locale(*candidates: str | None) -> str:
    """The first supported locale among the candidates (contact, preference, program default), else en."""
    for candidate in candidates:
        locale = supported_locale(candidate)
        if locale:
            return locale
    return DEFAULT_LOCALE


def zone(name: str | None) -> ZoneInfo:
    """The person's time zone; UTC when unknown or not an IANA name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _at_local(day: datetime, wall: time, tz: ZoneInfo) -> datetime:
    """``wall`` on ``day``'s date in ``tz`` as a UTC instant (PEP 495: a wall time a DST change skips
    moves forward by the gap, a repeated one is its first occurrence)."""
    return datetime.combine(day.date(), wall, tzinfo=tz).astimezone(UTC)


def deliver_at(now: datetime, quiet: QuietHours | None, tz: ZoneInfo) -> datetime:
    """When an e-mail may go: now, or the end of the quiet hours ``now`` falls in (local wall time)."""
    if quiet is None:
        return now
    local = now.astimezone(tz)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return now
    end_day = local
    if quiet.start > quiet.end and local.time() >= quiet.start:
        end_day = local + timedelta(days=1)
    return max(now, _at_local(end_day, quiet.end, tz))


def next_digest_at(now: datetime, hour: int, tz: ZoneInfo) -> datetime:
    """The next local ``hour``:00 strictly after ``now``: when held non-urgent messages go as one e-mail."""
    local = now.astimezone(tz)
    due = _at_local(local, time(hour), tz)
    if due <= now:
        due = _at_local(local + timedelta(days=1), time(hour), tz)
    return due


def digest_day(due: datetime, tz: ZoneInfo) -> str:
    """The local date a digest is for (its id: one digest per person per day)."""
    return due.astimezone(tz).date().isoformat()
