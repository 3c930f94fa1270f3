"""Loading what a use case acts on, and who may act: programs, runs and pairings with their 404s,
403s and the projection-lag 409, decided here once for commands and queries alike."""

from __future__ import annotations

from typing import Any

from services.matching.domain import MatchRun, Pairing
from services.matching.store.ports import MatchingUnitOfWork
from shared.auth import Principal
from shared.errors import Conflict, Forbidden, NotFound


def program(uow: MatchingUnitOfWork, program_id: str) -> dict[str, Any]:
    """The projected program; 409 when its participants arrived before it, else 404."""
    found = uow.projection.program(program_id)
    if found is not None:
        return found
    if uow.projection.has_participants(program_id):
        raise Conflict(
            f"matching knows participants of program {program_id} but not the program itself: its "
            "projection is behind intake's events; retry shortly",
            code="stale_projection",
        )
    raise NotFound(f"program {program_id} is not known to matching", field="program_id")


def is_admin(program_record: dict[str, Any], principal: Principal) -> bool:
    """Admins of a program are the admin-role callers the program names."""
    return principal.has_any(("admin",)) and principal.subject in (program_record.get("admins") or [])


def admin_program(uow: MatchingUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    found = program(uow, program_id)
    if not is_admin(found, principal):
        raise Forbidden(f"only the admins of program {program_id} may do this")
    return found


def run_for_admin(
    uow: MatchingUnitOfWork, run_id: str, principal: Principal
) -> tuple[MatchRun, int, dict[str, Any]]:
    """The run, its version and its program, for an admin of that program."""
    record = uow.runs.get(run_id)
    if record is None:
        raise NotFound(f"match run {run_id} does not exist", field="match_run_id")
    return (
        MatchRun.from_record(record),
        record["_version"],
        admin_program(uow, record["program_id"], principal),
    )


def pairing(uow: MatchingUnitOfWork, pairing_id: str) -> tuple[Pairing, int]:
    record = uow.pairings.get(pairing_id)
    if record is None:
        raise NotFound(f"pairing {pairing_id} does not exist", field="pairing_id")
    return Pairing.from_record(record), record["_version"]


def own_side(found: Pairing, principal: Principal) -> str:
    """The caller's side of the pairing; anyone else gets 404 (no hint that the pairing exists)."""
    if principal.has_any(("participant",)):
        if principal.subject == found.leader_employee_id:
            return "leader"
        if principal.subject == found.junior_employee_id:
            return "junior"
    raise NotFound(f"pairing {found.pairing_id} does not exist", field="pairing_id")


def run_view(record: dict[str, Any]) -> dict[str, Any]:
    """A run as the API shows it: no storage fields, no erasure index."""
    return {k: v for k, v in record.items() if k not in ("_id", "_version", "participant_ids")}


def pairing_view(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("_id", "_version")}
