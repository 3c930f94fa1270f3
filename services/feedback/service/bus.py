"""The feedback bus: every command with its one handler, and the follow-ups events ask for."""

from __future__ import annotations

from services.feedback.pulse import handlers as pulse
from services.feedback.service import projections
from services.feedback.store import FeedbackUnitOfWork
from shared.bus import MessageBus
from shared.messages import ForgetParticipant

COMMANDS = {
    projections.ProjectProgram: projections.project_program,
    projections.ProjectParticipant: projections.project_participant,
    projections.WithdrawParticipant: projections.withdraw_participant,
    projections.ProjectReportingLine: projections.project_reporting_line,
    projections.TrackPairingHealth: projections.track_pairing_health,
    ForgetParticipant: projections.forget_participant,
    **pulse.COMMANDS,
}
FOLLOW_UPS: dict = {}


def build_bus(uow: FeedbackUnitOfWork) -> MessageBus[FeedbackUnitOfWork]:
    return MessageBus("feedback", uow, COMMANDS, FOLLOW_UPS)
