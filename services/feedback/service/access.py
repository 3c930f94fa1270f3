"""Who may see what: the caller (token subject = employee id, roles) against a pairing or a program.

A participant reaches a pairing only as one of its two sides (anyone else: 404, no hint it exists); an
admin reaches only the programs whose ``admins`` name them (403); ``hr`` reads outcome reports; the
``service`` role is other services. Decided here once for commands and queries alike."""

from __future__ import annotations

from typing import Any

from services.feedback.store import FeedbackUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, NotFound

SIDES = {"leader_id": "leader", "junior_id": "junior"}


def pairing(uow: FeedbackUnitOfWork, pairing_id: str) -> dict[str, Any]:
    found = uow.pairings.get(pairing_id)
    if found is None:
        raise NotFound(f"pairing {pairing_id} is not known to feedback", field="pairing_id")
    return found


def program(uow: FeedbackUnitOfWork, program_id: str) -> dict[str, Any]:
    found = uow.programs.get(program_id)
    if found is None:
        raise NotFound(f"program {program_id} is not known to feedback", field="program_id")
    return found


def is_admin_of(program_record: dict[str, Any] | None, principal: Principal) -> bool:
    """Admins of a program are the admin-role callers the program names."""
    return bool(
        program_record
        and principal.has_any(("admin",))
        and principal.subject in (program_record.get("admins") or [])
    )


def side_of(uow: FeedbackUnitOfWork, found: dict[str, Any], principal: Principal) -> str | None:
    """``leader`` or ``junior`` when the caller is that side of the pairing, else None."""
    if not principal.has_any(("participant",)):
        return None
    me = uow.people.participant_for(found["program_id"], principal.subject)
    if me is None:
        return None
    for field, side in SIDES.items():
        if found.get(field) == me["participant_id"]:
            return side
    return None


def participant_pairing(
    uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal
) -> tuple[dict[str, Any], str, str]:
    """The pairing, the caller's side and participant id, for one of its two sides only (else 404)."""
    found = pairing(uow, pairing_id)
    side = side_of(uow, found, principal)
    if side is None:
        raise NotFound(f"pairing {pairing_id} is not known to feedback", field="pairing_id")
    return found, side, found[f"{side}_id"]


def readable_pairing(
    uow: FeedbackUnitOfWork, pairing_id: str, principal: Principal
) -> tuple[dict[str, Any], str | None]:
    """A pairing for one of its sides, an admin of its program or a service; the caller's side or None."""
    found = pairing(uow, pairing_id)
    side = side_of(uow, found, principal)
    if side is not None or principal.has_any(("service",)):
        return found, side
    if is_admin_of(uow.programs.get(found["program_id"]), principal):
        return found, None
    raise NotFound(f"pairing {pairing_id} is not known to feedback", field="pairing_id")


def admin_program(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    found = program(uow, program_id)
    if not is_admin_of(found, principal) and not principal.has_any(("service",)):
        raise Forbidden(f"only the admins of program {program_id} may do this")
    return found


def report_reader(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    """Outcome reports: hr, the program's own admins, services."""
    found = program(uow, program_id)
    if principal.has_any(("hr", "service")) or is_admin_of(found, principal):
        return found
    raise Forbidden(f"only hr and the admins of program {program_id} may read its outcomes")
