"""The pairing aggregate: published → accepted (one side) → active (both) → ended, or declined.

Each transition returns the published events it causes (``shared.contracts.types``); the service layer
writes the new state and those events in one atomic document write. A pairing enters the aggregate when
an admin publishes a match run's proposal (its "proposed" life is the proposal inside the run document).
What a person typed when declining stays on the pairing record (``decline_text``), never in an event.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from shared.contracts import DECLINE_REASONS, END_KINDS
from shared.contracts.types import PAIRING_EVENTS
from shared.errors import Conflict
from shared.messages import PublishedEvent
from shared.records import pick

SIDES = ("leader", "junior")
LIVE_STATES = ("published", "accepted", "active")  # the pair holds the leader and one junior place
FINAL_STATES = ("declined", "ended")
SYSTEM_ACTORS = ("system", "feedback")  # their reasons are fixed texts or codes, never what a person typed

# What a pairing record stores besides its acceptance and history, in stored order.
RECORDED = (
    "pairing_id",
    "program_id",
    "leader_id",
    "junior_id",
    "leader_employee_id",
    "junior_employee_id",
    "match_run_id",
    "score",
    "components",
    "state",
    "decline_reason",
    "decline_text",
    "end_kind",
    "reason",
)


class TransitionRefused(Conflict):
    """The pairing's current state does not allow this change (409 ``invalid_transition``)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="invalid_transition")


@dataclass(frozen=True)
class Pairing:
    pairing_id: str
    program_id: str
    leader_id: str
    junior_id: str
    leader_employee_id: str | None
    junior_employee_id: str | None
    match_run_id: str | None
    score: float | None
    components: dict[str, float] | None
    state: str = "published"
    acceptance: dict[str, str] = field(default_factory=lambda: {"leader": "pending", "junior": "pending"})
    decline_reason: str | None = None
    decline_text: str | None = None
    end_kind: str | None = None
    reason: str | None = None
    history: tuple[dict[str, Any], ...] = ()

    # -- creation -----------------------------------------------------------------------------------
    @classmethod
    def publish(
        cls,
        proposal: dict[str, Any],
        *,
        program_id: str,
        match_run_id: str,
        leader_employee_id: str | None,
        junior_employee_id: str | None,
        by: str,
        now: datetime,
    ) -> tuple[Pairing, list[PublishedEvent]]:
        """An admin publishes a reviewed proposal: both participants are asked to accept."""
        pairing = cls(
            pairing_id=proposal["pairing_id"],
            program_id=program_id,
            leader_id=proposal["leader_id"],
            junior_id=proposal["junior_id"],
            leader_employee_id=leader_employee_id,
            junior_employee_id=junior_employee_id,
            match_run_id=match_run_id,
            score=proposal.get("score"),
            components=proposal.get("components"),
            history=(
                {"state": "proposed", "at": proposal.get("proposed_at") or now, "by": match_run_id},
                {"state": "published", "at": now, "by": by},
            ),
        )
        return pairing, [pairing._event("published", by=by)]

    # -- transitions --------------------------------------------------------------------------------
    def side_of(self, participant_id: str) -> str | None:
        if participant_id == self.leader_id:
            return "leader"
        if participant_id == self.junior_id:
            return "junior"
        return None

    def accept(self, side: str, now: datetime) -> tuple[Pairing, list[PublishedEvent]]:
        self._require(side in SIDES, f"unknown side {side!r}")
        self._require(self.state in ("published", "accepted"), f"pairing is {self.state}: cannot accept")
        self._require(self.acceptance[side] == "pending", f"the {side} has already answered")
        acceptance = {**self.acceptance, side: "accepted"}
        both = all(v == "accepted" for v in acceptance.values())
        state = "active" if both else "accepted"
        actor = self.leader_id if side == "leader" else self.junior_id
        changed = self._moved(state, now, actor, acceptance=acceptance)
        events = [changed._event("accepted", by=actor)]
        if both:
            events.append(changed._event("activated", by=actor))
        return changed, events

    def decline(
        self, side: str, reason_code: str, text: str, now: datetime
    ) -> tuple[Pairing, list[PublishedEvent]]:
        """One side says no with a reason code; their free text is kept here only (never published)."""
        self._require(side in SIDES, f"unknown side {side!r}")
        self._require(reason_code in DECLINE_REASONS, f"decline reason must be one of {DECLINE_REASONS}")
        self._require(self.state in ("published", "accepted"), f"pairing is {self.state}: cannot decline")
        self._require(self.acceptance[side] == "pending", f"the {side} has already answered")
        actor = self.leader_id if side == "leader" else self.junior_id
        changed = self._moved(
            "declined",
            now,
            actor,
            acceptance={**self.acceptance, side: "declined"},
            decline_reason=reason_code,
            decline_text=text or None,
        )
        return changed, [changed._event("declined", by=actor)]

    def end(self, kind: str, reason: str, by: str, now: datetime) -> tuple[Pairing, list[PublishedEvent]]:
        """End a live pairing (planned, early, erased or rematch) with a reason."""
        self._require(kind in END_KINDS, f"end kind must be one of {END_KINDS}")
        self._require(self.state in LIVE_STATES, f"pairing {self.pairing_id} is already {self.state}")
        changed = self._moved("ended", now, by, end_kind=kind, reason=reason or None)
        return changed, [changed._event("ended", by=by)]

    def request_rematch(self, reason: str, now: datetime) -> tuple[Pairing, list[PublishedEvent]]:
        """Feedback says the pairing is at risk: end it and send the leader back for a new junior."""
        changed, events = self.end("rematch", reason, "feedback", now)
        return changed, [*events, changed._event("rematch_requested", by="feedback")]

    def without_personal_data(self, participant_id: str) -> Pairing:
        """Erasure: the erased side keeps only its opaque id; free text anyone wrote is dropped."""
        history = tuple({k: v for k, v in h.items() if k != "reason"} for h in self.history)
        return replace(
            self,
            leader_employee_id=None if participant_id == self.leader_id else self.leader_employee_id,
            junior_employee_id=None if participant_id == self.junior_id else self.junior_employee_id,
            reason="erased" if self.reason else None,
            decline_text=None,
            history=history,
        )

    # -- helpers ------------------------------------------------------------------------------------
    @staticmethod
    def _require(condition: bool, detail: str) -> None:
        if not condition:
            raise TransitionRefused(detail)

    def _moved(self, state: str, now: datetime, by: str, **changes: Any) -> Pairing:
        entry = {"state": state, "at": now, "by": by}
        for name in ("decline_reason", "end_kind", "reason"):
            if changes.get(name):
                entry[name] = changes[name]
        return replace(self, state=state, history=(*self.history, entry), **changes)

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    def payload(self, by: str | None = None) -> dict[str, Any]:
        """The event payload (docs/schemas/mentoring.pairing.*.v1.json): ids, state, reason codes.

        ``reason`` is published only when the system set it (a withdrawal, an erasure, feedback's risk
        code): what a person typed stays here, where an erasure removes it, never in the log."""
        return {
            "pairing_id": self.pairing_id,
            "program_id": self.program_id,
            "leader_id": self.leader_id,
            "junior_id": self.junior_id,
            "state": self.state,
            "match_run_id": self.match_run_id,
            "score": self.score,
            "components": self.components,
            "reason": self.reason if by in SYSTEM_ACTORS else None,
            "by": by,
            "acceptance": dict(self.acceptance),
            "decline_reason": self.decline_reason,
            "end_kind": self.end_kind,
        }

    def _event(self, verb: str, by: str | None) -> PublishedEvent:
        return PAIRING_EVENTS[verb](self.pairing_id, self.payload(by))

    def to_record(self) -> dict[str, Any]:
        return {
            **pick(self, *RECORDED[:10]),
            "acceptance": dict(self.acceptance),
            **pick(self, *RECORDED[10:]),
            "history": list(self.history),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Pairing:
        names = cls.__dataclass_fields__
        values = {k: v for k, v in record.items() if k in names}
        values["history"] = tuple(record.get("history") or ())
        return cls(**values)
