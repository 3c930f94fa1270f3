"""A pairing's life after publication: each side accepts or declines, either side or an admin ends it,
feedback marks it at risk; admins declare conflicts. Rematches that free places ask for are follow-ups
of the events returned here (``bus.FOLLOW_UPS``), never run from these handlers."""

from __future__ import annotations

from collections.abc import Callable

from services.matching.domain import ConflictDeclared, Pairing, PairingRecorded
from services.matching.service import access
from services.matching.service.commands import (
    AcceptPairing,
    AddConflict,
    DeclinePairing,
    EndPairing,
    MarkPairingAtRisk,
)
from services.matching.store.ports import MatchingUnitOfWork
from shared.messages import DomainEvent, PublishedEvent
from shared.metrics import PAIRINGS


def save(uow: MatchingUnitOfWork, pairing: Pairing, version: int, events: list[PublishedEvent]) -> None:
    """The pairing and its events in one write (StaleWrite when someone saved it meanwhile)."""
    uow.pairings.save(pairing.to_record(), version, events)
    for event in events:
        PAIRINGS.labels(event.type.split(".")[2]).inc()


def accept_pairing(command: AcceptPairing, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    pairing, version = access.pairing(uow, command.pairing_id)
    side = access.own_side(pairing, command.principal)
    changed, events = pairing.accept(side, uow.clock())
    save(uow, changed, version, events)
    return [*events, PairingRecorded(changed)]


def decline_pairing(command: DeclinePairing, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """The pair is excluded from then on and the leader waits for a new junior (the freed place may go
    to someone on the waitlist at once: a follow-up of ``PairingDeclined``)."""
    pairing, version = access.pairing(uow, command.pairing_id)
    side = access.own_side(pairing, command.principal)
    changed, events = pairing.decline(side, command.reason, command.text or "", uow.clock())
    save(uow, changed, version, events)
    detail = f"the {side} declined: {command.reason}"
    uow.waitlist.wait(changed.program_id, changed.leader_id, "declined", detail, uow.clock())
    return [*events, PairingRecorded(changed)]


def end_pairing(command: EndPairing, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """Either side or an admin of the program ends a live pairing; an early end puts the leader back
    on the waitlist."""
    pairing, version = access.pairing(uow, command.pairing_id)
    program = uow.projection.program(pairing.program_id) or {}
    by = "admin" if access.is_admin(program, command.principal) else None
    if by is None:
        side = access.own_side(pairing, command.principal)
        by = pairing.leader_id if side == "leader" else pairing.junior_id
    changed, events = pairing.end(command.kind, command.reason, by, uow.clock())
    save(uow, changed, version, events)
    if command.kind == "early":
        uow.waitlist.wait(changed.program_id, changed.leader_id, "ended_early", command.reason, uow.clock())
    return [*events, PairingRecorded(changed)]


def mark_pairing_at_risk(command: MarkPairingAtRisk, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """Feedback says a pairing is in trouble: end it and send the leader back to the waitlist (the
    rematch is the follow-up of ``PairingRematchRequested``). A pairing no longer live: nothing to do."""
    record = uow.pairings.get(command.pairing_id)
    if record is None:
        return []
    pairing = Pairing.from_record(record)
    if not pairing.live:
        return []
    changed, events = pairing.request_rematch(command.reason, uow.clock())
    save(uow, changed, record["_version"], events)
    uow.waitlist.wait(pairing.program_id, pairing.leader_id, "at_risk", command.reason, uow.clock())
    return [*events, PairingRecorded(changed)]


def add_conflict(command: AddConflict, uow: MatchingUnitOfWork) -> list[DomainEvent]:
    """An admin declares that two people must not be paired (in any program from now on)."""
    access.admin_program(uow, command.program_id, command.principal)
    record = {
        "leader_employee_id": command.leader_employee_id,
        "junior_employee_id": command.junior_employee_id,
        "detail": command.detail,
        "program_id": command.program_id,
        "declared_by": command.principal.subject,
        "at": uow.clock(),
    }
    uow.conflicts.add(record)
    return [ConflictDeclared(record)]


def end_pairings_of(
    uow: MatchingUnitOfWork,
    participant_id: str,
    program_id: str,
    ending: tuple[str, str],
    waitlist_reason: str,
    scrub: Callable[[Pairing], Pairing] = lambda pairing: pairing,
) -> list[PublishedEvent]:
    """A participant leaves (withdrawal, erasure): their live pairings end with ``ending`` (kind,
    reason), a leader whose junior left goes back on the waitlist, every pairing is saved as ``scrub``
    leaves it, and the participant leaves every waitlist. Returns the events (``PairingEnded`` each)."""
    ended: list[PublishedEvent] = []
    for record in uow.pairings.involving(participant_id):
        original = Pairing.from_record(record)
        pairing, events = original, []
        if pairing.live:
            pairing, events = pairing.end(*ending, "system", uow.clock())
            if participant_id == pairing.junior_id:
                uow.waitlist.wait(program_id, pairing.leader_id, waitlist_reason, "", uow.clock())
        pairing = scrub(pairing)
        if pairing != original or events:
            save(uow, pairing, record["_version"], events)
        ended += events
    uow.waitlist.forget(participant_id)
    return ended
