"""The feedback bus: every command with its one handler, and the follow-ups events ask for."""

from __future__ import annotations

from services.feedback.pulse import handlers as pulse
from services.feedback.service import commands as c
from services.feedback.service import erasure, health, insights, projections, records, schedule, settings
from services.feedback.store import FeedbackUnitOfWork
from shared.bus import MessageBus
from shared.messages import ForgetParticipant

COMMANDS = {
    projections.ProjectProgram: projections.project_program,
    projections.ProjectParticipant: projections.project_participant,
    projections.WithdrawParticipant: projections.withdraw_participant,
    projections.ProjectReportingLine: projections.project_reporting_line,
    projections.TrackPairingHealth: projections.track_pairing_health,
    ForgetParticipant: erasure.forget_participant,
    c.SetGoal: records.set_goal,
    c.UpdateGoalProgress: records.update_goal,
    c.LogCheckIn: records.log_check_in,
    c.AnswerSurvey: records.answer_survey,
    c.RaiseInsight: insights.raise_insight,
    c.AcknowledgeInsight: insights.acknowledge_insight,
    c.ActOnInsight: insights.act_on_insight,
    c.SaveFeedbackSettings: settings.save_settings,
    c.AssessPairing: health.assess_pairing,
    c.PlanPairing: schedule.plan,
    c.CheckCadence: schedule.check_cadence,
    c.OpenSurvey: schedule.open_survey,
    **pulse.COMMANDS,
}
FOLLOW_UPS: dict = {
    projections.PairingTracked: [schedule.after_tracking],
    c.PairingWritten: [health.after_write],
}


def build_bus(uow: FeedbackUnitOfWork) -> MessageBus[FeedbackUnitOfWork]:
    return MessageBus("feedback", uow, COMMANDS, FOLLOW_UPS)
