"""Intake's use cases as command handlers (``handle(command, uow) -> events``) and the bus that runs them.

No handler calls another; the org chart learns a registration's reporting line through intake's own
``participant.registered|updated`` events (``SetReportingLine`` from the worker), so enrolment stays one
document write.
"""

from __future__ import annotations

from services.intake.service import commands
from services.intake.service.imports import import_people
from services.intake.service.orgchart import set_reporting_line, set_reporting_lines, upload_org_chart
from services.intake.service.participants import (
    change_consent,
    erase_participant,
    reenrol_participant,
    register_participant,
    update_participant,
    withdraw_participant,
)
from services.intake.service.ports import PROGRAM_READ_REUSE_S, IntakeUnitOfWork
from services.intake.service.programs import (
    create_program,
    purge_due_retention,
    purge_program,
    transition_program,
    update_program,
)
from shared.bus import MessageBus

HANDLERS = {
    commands.CreateProgram: create_program,
    commands.UpdateProgram: update_program,
    commands.TransitionProgram: transition_program,
    commands.PurgeProgram: purge_program,
    commands.PurgeDueRetention: purge_due_retention,
    commands.RegisterParticipant: register_participant,
    commands.UpdateParticipant: update_participant,
    commands.WithdrawParticipant: withdraw_participant,
    commands.ReenrolParticipant: reenrol_participant,
    commands.ChangeConsent: change_consent,
    commands.EraseParticipant: erase_participant,
    commands.ImportParticipants: import_people,
    commands.UploadOrgChart: upload_org_chart,
    commands.SetReportingLine: set_reporting_line,
    commands.SetReportingLines: set_reporting_lines,
}


def build_bus(uow: IntakeUnitOfWork) -> MessageBus[IntakeUnitOfWork]:
    return MessageBus("intake", uow, HANDLERS)


__all__ = ["HANDLERS", "PROGRAM_READ_REUSE_S", "IntakeUnitOfWork", "build_bus", "commands"]
