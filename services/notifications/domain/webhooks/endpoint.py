"""A webhook endpoint: where another internal system wants which events, its signing secrets and its
health (failing since when, disabled why)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts import types as _contract  # noqa: F401  (registers every published type)
from shared.events.registry import REGISTRY

# Aggregates whose events subscribers may receive: facts about pairings, runs, programs and feedback.
# Never participant or contact events — they carry personal data that stays inside the platform.
SUBSCRIBABLE_AGGREGATES = ("pairing", "match_run", "program", "feedback")


def subscribable_types() -> list[str]:
    """Every published event type an endpoint may subscribe to, from the contract's registry."""
    return [t.name for t in REGISTRY.types() if t.aggregate in SUBSCRIBABLE_AGGREGATES]


def unsubscribable(event_types: Iterable[str]) -> list[str]:
    """The requested types that are not subscribable (unknown, or personal-data events)."""
    allowed = set(subscribable_types())
    return [name for name in event_types if name not in allowed]


@dataclass(frozen=True)
class Secret:
    """A signing secret; ``expires_at`` is set on the old one when a rotation starts its overlap."""

    value: str
    created_at: datetime
    expires_at: datetime | None = None

    def active_at(self, now: datetime) -> bool:
        return self.expires_at is None or _aware(self.expires_at) > now


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    url: str
    event_types: tuple[str, ...]
    created_by: str
    created_at: datetime
    secrets: tuple[Secret, ...]
    description: str = ""
    program_id: str | None = None
    disabled: bool = False
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    failing_since: datetime | None = None

    def wants(self, event_type: str, program_id: str | None) -> bool:
        """An enabled endpoint receives its subscribed types, of its program when it names one."""
        if self.disabled or event_type not in self.event_types:
            return False
        return self.program_id is None or self.program_id == program_id

    def signing_keys(self, now: datetime) -> list[str]:
        """Secrets that sign an attempt now: the current one first, then any still in its overlap."""
        return [secret.value for secret in self.secrets if secret.active_at(now)]

    def rotated(self, new_secret: str, now: datetime, overlap: timedelta) -> Endpoint:
        """The new secret becomes current; the previous ones keep signing until the overlap ends."""
        kept = tuple(
            replace(s, expires_at=min(_aware(s.expires_at), now + overlap) if s.expires_at else now + overlap)
            for s in self.secrets
            if s.active_at(now)
        )
        return replace(self, secrets=(Secret(new_secret, now), *kept))

    def attempt_failed(self, now: datetime, disable_after: timedelta) -> Endpoint:
        """Remember since when the endpoint fails; past ``disable_after`` of failures it is disabled."""
        since = _aware(self.failing_since) if self.failing_since else now
        if now - since >= disable_after and not self.disabled:
            failing_for = int((now - since).total_seconds())
            return self.disable(now, f"failing for {failing_for} s", failing_since=since)
        return replace(self, failing_since=since)

    def attempt_succeeded(self) -> Endpoint:
        return replace(self, failing_since=None)

    def disable(self, now: datetime, reason: str, *, failing_since: datetime | None = None) -> Endpoint:
        return replace(
            self,
            disabled=True,
            disabled_reason=reason,
            disabled_at=now,
            failing_since=failing_since or self.failing_since,
        )

    def enable(self) -> Endpoint:
        return replace(self, disabled=False, disabled_reason=None, disabled_at=None, failing_since=None)

    def to_record(self) -> dict[str, Any]:
        return {
            "endpoint_id": self.endpoint_id,
            "url": self.url,
            "event_types": list(self.event_types),
            "description": self.description,
            "program_id": self.program_id,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "secrets": [
                {"value": s.value, "created_at": s.created_at, "expires_at": s.expires_at}
                for s in self.secrets
            ],
            "disabled": self.disabled,
            "disabled_reason": self.disabled_reason,
            "disabled_at": self.disabled_at,
            "failing_since": self.failing_since,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Endpoint:
        return cls(
            endpoint_id=record["endpoint_id"],
            url=record["url"],
            event_types=tuple(record["event_types"]),
            created_by=record["created_by"],
            created_at=_aware(record["created_at"]),
            secrets=tuple(
                Secret(
                    s["value"], _aware(s["created_at"]), _aware(s["expires_at"]) if s["expires_at"] else None
                )
                for s in record["secrets"]
            ),
            description=record.get("description") or "",
            program_id=record.get("program_id"),
            disabled=bool(record.get("disabled")),
            disabled_reason=record.get("disabled_reason"),
            disabled_at=_aware(record["disabled_at"]) if record.get("disabled_at") else None,
            failing_since=_aware(record["failing_since"]) if record.get("failing_since") else None,
        )


def _secret(record: dict[str, Any]) -> Secret:
    expires = record.get("expires_at")
    return Secret(record["value"], _aware(record["created_at"]), _aware(expires) if expires else None)


def _aware(moment: datetime) -> datetime:
    """Mongo hands datetimes back naive (UTC); compare them as aware ones."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
