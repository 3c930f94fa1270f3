"""Feedback's own settings of a program (check-in cadence, pulse k, survey questions), set by its admins."""

from __future__ import annotations

from services.feedback.service import access
from services.feedback.service.commands import SaveFeedbackSettings
from services.feedback.store import FeedbackUnitOfWork
from shared.messages import DomainEvent


def save_settings(command: SaveFeedbackSettings, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    access.admin_program(uow, command.program_id, command.principal)
    merged = {**uow.programs.settings_of(command.program_id), **command.settings}
    uow.programs.save_settings(command.program_id, merged)
    return []
