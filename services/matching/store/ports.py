"""The ports matching's use cases see: one Protocol per repository, grouped in ``MatchingUnitOfWork``.

Two adapters implement every port (``mongo_*`` and ``memory``) and pass the same contract tests
(tests/support/matching_store_contracts.py). Conventions shared by all ports:

* Records are plain dicts. Versioned aggregates (match runs, pairings) come back with their ``_version``
  (and ``_id`` where noted); pass that version to ``save``, which raises ``shared.errors.StaleWrite`` when
  someone saved in between. Their state and events are one write (``shared.versioned``).
* Projection writes take the intake event that caused them (an envelope): an older or repeated event for
  the same key changes nothing, and an erased participant's tombstone is never revived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.events.envelope import Event
from shared.uow import Clock, UnitOfWork
from shared.versioned import Publishable

Record = dict[str, Any]


@dataclass(frozen=True)
class PairingQuery:
    """One page of a program's pairings, optionally in one state or only those an employee is part of."""

    program_id: str
    skip: int
    limit: int
    state: str | None = None
    employee_id: str | None = None


class Projection(Protocol):
    """Participants, programs and reporting lines as matching last heard of them from intake."""

    def save_participant(self, data: Record, event: Event) -> bool:
        """Upsert a participant's payload unless a newer event wrote it; True when applied."""

    def set_participant_status(self, participant_id: str, status: str, event: Event) -> bool: ...

    def forget_participant(self, participant_id: str, program_id: str, event: Event) -> None:
        """Erasure: only the ids remain, as a tombstone no replayed event can bring back to life."""

    def save_program(self, data: Record, event: Event) -> bool: ...

    def save_reporting_line(self, employee_id: str, manager_id: str | None, event: Event) -> bool: ...

    def participant(self, participant_id: str) -> Record | None:
        """The projected payload (a tombstone reads as ``status: erased``), without storage fields."""

    def participants(
        self, program_id: str | None, role: str | None, skip: int, limit: int
    ) -> tuple[list[Record], int]:
        """A page of non-erased participants ordered by id, and the total."""

    def cohort(self, program_id: str) -> list[Record]:
        """Every enrolled leader and junior of the program (ordered by participant id), each payload with
        ``_event_time`` (the time of the event that last wrote it). Reads only this program's cohort."""

    def has_participants(self, program_id: str) -> bool: ...

    def program(self, program_id: str) -> Record | None: ...

    def program_status_counts(self) -> dict[str, int]: ...

    def reporting_lines(
        self, employee_ids: Iterable[str], max_depth: int = 64, *, program_id: str | None = None
    ) -> dict[str, str | None]:
        """The org-chart entries of these employees and all their managers up to the top. With
        ``program_id`` (a run's inputs) the adapter may answer from what that program's last read found,
        as long as no reporting line was written since."""


class MatchRuns(Protocol):
    """Match runs: versioned documents carrying their events (completed, proposed)."""

    def insert(self, document: Record, events: Sequence[Publishable]) -> bool:
        """Store a new run (``document["_id"]`` is its id); False when it exists (a redelivered trigger)."""

    def get(self, run_id: str) -> Record | None:
        """The run with ``_id`` and ``_version``."""

    def latest(
        self, program_id: str, *, dry_run: bool | None = None, status: str | None = None
    ) -> Record | None:
        """The most recently started run of the program matching the filters (``_id`` reads only)."""

    def summaries(self, program_id: str, skip: int, limit: int) -> tuple[list[Record], int]:
        """A page of run summaries, newest first, and the total."""

    def save(self, run_id: str, version: int, changes: Record, events: Sequence[Publishable] = ()) -> None:
        """Apply ``changes`` if the run is still at ``version`` (else StaleWrite)."""

    def mentioning(self, participant_id: str) -> list[Record]:
        """Runs naming this participant (erasure scrubs them); each with ``_id`` and ``_version``."""


class RunLock(Protocol):
    """One run per program at a time; a lock older than ``LOCK_TTL`` is free again (crashed run)."""

    def acquire(self, program_id: str, run_id: str, now: datetime) -> bool: ...

    def release(self, program_id: str, run_id: str) -> None: ...


class Pairings(Protocol):
    """Pairings: versioned aggregates carrying their events."""

    def insert(self, record: Record, events: Sequence[Publishable]) -> None: ...

    def insert_many(self, documents: list[tuple[Record, Sequence[Publishable]]]) -> None:
        """Insert new pairings, each with its events; ones that exist already are left as they are."""

    def get(self, pairing_id: str) -> Record | None:
        """The pairing with ``_id`` and ``_version``."""

    def save(self, record: Record, version: int, events: Sequence[Publishable]) -> None:
        """Applies only if nobody saved since ``version`` was read (else StaleWrite)."""

    def of_program(self, program_id: str, states: Iterable[str] | None = None) -> list[Record]:
        """The program's pairings (optionally in these states) by id, each with ``_version``."""

    def page(self, query: PairingQuery) -> tuple[list[Record], int]:
        """A page of the program's pairings by id (only those ``employee_id`` is part of, if given)."""

    def history_of(self, leader_employee_ids: Iterable[str]) -> list[Record]:
        """Declined and ended pairings of these leaders in any program (earlier pairs count too)."""

    def involving(self, participant_id: str) -> list[Record]:
        """Pairings with this participant on either side, each with ``_id`` and ``_version``."""


class Waitlist(Protocol):
    """Leaders waiting for a (new) junior, one entry per program and leader."""

    def wait(self, program_id: str, leader_id: str, reason: str, detail: str, now: datetime) -> None:
        """Upsert: the reason is updated, ``since`` stays the time the leader first waited."""

    def proposed_again(self, program_id: str, leader_ids: Iterable[str], run_id: str) -> None: ...

    def leave(self, program_id: str, leader_ids: Iterable[str]) -> None: ...

    def waiting(self, program_id: str) -> list[Record]:
        """The program's entries, longest waiting first."""

    def forget(self, leader_id: str) -> None:
        """Remove the participant from every waitlist (withdrawal, erasure)."""


class Conflicts(Protocol):
    """Pairs an admin declared must never be matched (by employee id, in any program)."""

    def add(self, record: Record) -> None:
        """Upsert by (leader_employee_id, junior_employee_id)."""

    def of_leaders(self, leader_employee_ids: Iterable[str]) -> list[Record]: ...

    def forget(self, employee_id: str) -> None:
        """Remove every conflict naming the employee on either side (erasure)."""


class MatchingUnitOfWork(UnitOfWork):
    """What every matching use case runs in: the repositories below and the clock."""

    projection: Projection
    runs: MatchRuns
    run_lock: RunLock
    pairings: Pairings
    waitlist: Waitlist
    conflicts: Conflicts

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
