"""A webhook message: one event for one endpoint, its body fixed at planning (a replay re-sends the same
bytes under the same id) and where its attempts stand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.notifications.domain.webhooks.signing import message_id

Status = Literal["pending", "delivered", "failed", "aborted", "cancelled"]
PERSON_FIELDS = ("leader_id", "junior_id", "participant_id")
ERASURE_NOTICE = ("mentoring.pairing.ended.v1", "erased")  # (type, end_kind)


@dataclass(frozen=True)
class Planned:
    """What fan-out stores for a matching endpoint before any attempt is made."""

    msg_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    program_id: str | None
    body: str
    participant_ids: tuple[str, ...]


def plan(event: dict[str, Any], body: str, endpoint_id: str) -> Planned:
    """The message of a CloudEvent (as a dict) for one endpoint; the participants it names are kept so
    an erasure can find and scrub it.

    A pairing ended by an erasure is the subscriber's erasure notice: it is how they learn to drop the
    pairing and the person's id from their own copies (the recipients of personal data are told of its
    erasure), so it names nobody to withhold or cancel; it carries pseudonymous ids only."""
    data = event.get("data") or {}
    if (event.get("type"), data.get("end_kind")) == ERASURE_NOTICE:
        people: tuple[str, ...] = ()
    else:
        people = tuple(sorted({data[name] for name in PERSON_FIELDS if isinstance(data.get(name), str)}))
    return Planned(
        message_id(event["id"], endpoint_id),
        endpoint_id,
        event["id"],
        event["type"],
        data.get("program_id"),
        body,
        people,
    )
