"""Who may do what, next to the data it protects: program admins (role ``admin`` AND listed in the program's
``admins``) manage their program and its people, ``hr`` manages people and the org chart, and a participant
reaches only their own profile (anyone else's is a 404, so ids cannot be probed)."""

from __future__ import annotations

from services.intake.domain import Participant, Program
from services.intake.service.ports import IntakeUnitOfWork
from shared.auth import Principal
from shared.errors import Forbidden, NotFound
from shared.versioned import Versioned

STAFF_READERS = ("admin", "hr", "service")


def is_program_admin(program: Program, principal: Principal) -> bool:
    return principal.has_any(("admin",)) and program.is_admin(principal.subject)


def require_program_admin(program: Program, principal: Principal) -> None:
    if not is_program_admin(program, principal):
        raise Forbidden(f"only the admins of program {program.program_id} may do this")


def manages_people(program: Program, principal: Principal) -> bool:
    return principal.has_any(("hr",)) or is_program_admin(program, principal)


def load_program(uow: IntakeUnitOfWork, program_id: str) -> tuple[Program, int]:
    return _program(uow.programs.load(program_id), program_id)


def load_program_to_enrol_in(uow: IntakeUnitOfWork, program_id: str) -> Program:
    """The enrolment path reads its program through the store's short read reuse."""
    return _program(uow.programs.load_recent(program_id), program_id)[0]


def _program(loaded: Versioned | None, program_id: str) -> tuple[Program, int]:
    if loaded is None:
        raise NotFound(f"program {program_id} does not exist", field="program_id")
    return Program.from_record(loaded.record), loaded.version


def load_participant(uow: IntakeUnitOfWork, participant_id: str) -> tuple[Participant, int]:
    loaded = uow.participants.load(participant_id)
    if loaded is None:
        raise NotFound(f"participant {participant_id} does not exist")
    return Participant.from_record(loaded.record), loaded.version


def require_access(
    uow: IntakeUnitOfWork, participant: Participant, principal: Principal, *, write: bool
) -> None:
    """BOLA guard: a participant reaches only their own profile; staff reach what their role allows."""
    if participant.employee_id is not None and principal.subject == participant.employee_id:
        return
    if not principal.has_any(STAFF_READERS):
        raise NotFound(f"participant {participant.participant_id} does not exist")
    if not write:
        return
    program, _ = load_program(uow, participant.program_id)
    if not manages_people(program, principal):
        raise Forbidden(f"only hr or the admins of program {program.program_id} may change its participants")
