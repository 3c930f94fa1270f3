"""What matching can be asked to do: one command per use case, named in the imperative.

Commands from the API carry the caller (``principal``); commands from Kafka carry the intake or
feedback event that caused them (projections order by its time and drop its duplicates by its id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.auth import Principal
from shared.events.envelope import Event
from shared.messages import Command


# -- match runs and review --------------------------------------------------------------------------
@dataclass(frozen=True)
class StartMatchRun(Command):
    program_id: str
    principal: Principal
    dry_run: bool = False
    seed: int = 0
    weights: Mapping[str, float] | None = None
    expected_leaders: int | None = None
    expected_juniors: int | None = None


@dataclass(frozen=True)
class OverrideProposal(Command):
    match_run_id: str
    principal: Principal
    action: str
    leader_id: str
    junior_id: str | None = None
    other_leader_id: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class PublishRun(Command):
    match_run_id: str
    principal: Principal


@dataclass(frozen=True)
class RequestRematch(Command):
    """Propose juniors to the program's waitlisted leaders; ``trigger`` names what freed or added
    places, and the rematch run's id derives from it (a redelivered trigger finds its run done)."""

    program_id: str
    trigger: str


# -- pairings ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AcceptPairing(Command):
    pairing_id: str
    principal: Principal


@dataclass(frozen=True)
class DeclinePairing(Command):
    pairing_id: str
    principal: Principal
    reason: str
    text: str | None = None


@dataclass(frozen=True)
class EndPairing(Command):
    pairing_id: str
    principal: Principal
    kind: str
    reason: str


@dataclass(frozen=True)
class MarkPairingAtRisk(Command):
    pairing_id: str
    reason: str


@dataclass(frozen=True)
class AddConflict(Command):
    program_id: str
    principal: Principal
    leader_employee_id: str
    junior_employee_id: str
    detail: str = ""


# -- projections of intake's data -------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectParticipant(Command):
    data: Mapping[str, Any]
    event: Event


@dataclass(frozen=True)
class ProjectProgram(Command):
    data: Mapping[str, Any]
    event: Event


@dataclass(frozen=True)
class ProjectReportingLine(Command):
    employee_id: str
    manager_id: str | None
    event: Event


@dataclass(frozen=True)
class WithdrawParticipant(Command):
    participant_id: str
    program_id: str
    event: Event


@dataclass(frozen=True)
class EraseParticipant(Command):
    participant_id: str
    program_id: str
    employee_id: str | None
    event: Event
