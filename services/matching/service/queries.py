"""Reads for the API: each checks who may see what (through ``access``) and answers views, never
domain objects. No writes here."""

from __future__ import annotations

from typing import Any

from services.matching.domain import Pairing
from services.matching.service import access
from services.matching.service.inputs import read_inputs
from services.matching.store.ports import MatchingUnitOfWork, PairingQuery
from shared.auth import Principal
from shared.errors import Forbidden, NotFound


def participants(
    uow: MatchingUnitOfWork, program_id: str | None, role: str | None, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    return uow.projection.participants(program_id, role, skip, limit)


def participant(uow: MatchingUnitOfWork, participant_id: str) -> dict[str, Any]:
    found = uow.projection.participant(participant_id)
    if found is None or found.get("status") == "erased":
        raise NotFound(f"participant {participant_id} is not known to matching")
    return found


def program(uow: MatchingUnitOfWork, program_id: str) -> dict[str, Any]:
    found = uow.projection.program(program_id)
    if found is None:
        raise NotFound(f"program {program_id} is not known to matching")
    return found


def run(uow: MatchingUnitOfWork, run_id: str, principal: Principal) -> dict[str, Any]:
    found, _, _ = access.run_for_admin(uow, run_id, principal)
    return access.run_view(found.to_record())


def runs(
    uow: MatchingUnitOfWork, program_id: str, principal: Principal, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    access.admin_program(uow, program_id, principal)
    return uow.runs.summaries(program_id, skip, limit)


def explain(
    uow: MatchingUnitOfWork, run_id: str, leader_id: str, junior_id: str | None, principal: Principal
) -> dict[str, Any]:
    """Why (not) this pair, or without a junior why (not) this leader, on today's inputs; whether they
    differ from the run's is computed exactly as the run computed its own fingerprint."""
    found, _, program_record = access.run_for_admin(uow, run_id, principal)
    inputs = read_inputs(uow, program_record, found.weight_overrides, as_seen_by_run=found.match_run_id)
    context = inputs.context()
    named = [(leader_id, context.leader_index, "leader")]
    if junior_id is not None:
        named.append((junior_id, context.junior_index, "junior"))
    for who, index, role in named:
        if who not in index:
            raise NotFound(
                f"{who} is not an enrolled {role} of program {program_record['program_id']}", field=role
            )
    return found.explain(leader_id, junior_id, context, inputs.hash)


def pairing(uow: MatchingUnitOfWork, pairing_id: str, principal: Principal) -> dict[str, Any]:
    """Admins of the program see any of its pairings; a participant only their own (404 otherwise)."""
    found, _ = access.pairing(uow, pairing_id)
    program_record = uow.projection.program(found.program_id) or {}
    if not access.is_admin(program_record, principal):
        access.own_side(found, principal)
    return pairing_view(found)


def pairings(
    uow: MatchingUnitOfWork, program_id: str, principal: Principal, state: str | None, skip: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """Admins of the program see every pairing; participants see their own."""
    program_record = access.program(uow, program_id)
    employee_id = None
    if not access.is_admin(program_record, principal):
        if not principal.has_any(("participant",)):
            raise Forbidden(f"only admins of program {program_id} and its participants may list pairings")
        employee_id = principal.subject
    items, total = uow.pairings.page(PairingQuery(program_id, skip, limit, state, employee_id))
    return [access.pairing_view(i) for i in items], total


def waitlist(uow: MatchingUnitOfWork, program_id: str, principal: Principal) -> list[dict[str, Any]]:
    access.admin_program(uow, program_id, principal)
    return uow.waitlist.waiting(program_id)


def pairing_view(found: Pairing) -> dict[str, Any]:
    """A pairing as the API shows it (the decline text only to its own side and the admins)."""
    return access.pairing_view(found.to_record())
