"""The outcome report of a program (hr and the program's own admins) and the gauges that show it."""

from __future__ import annotations

from typing import Any

from services.feedback import metrics
from services.feedback.domain import outcomes
from services.feedback.pulse import released_aggregates
from services.feedback.service import access
from services.feedback.store import FeedbackUnitOfWork
from shared.auth import Principal


def figures(uow: FeedbackUnitOfWork, program_id: str) -> dict[str, Any]:
    """One small row per pairing (one ``_id`` range read) and the program's closed pulses."""
    return outcomes.report(
        program_id, uow.outcomes.of_program(program_id), released_aggregates(uow, program_id)
    )


def outcome_report(uow: FeedbackUnitOfWork, program_id: str, principal: Principal) -> dict[str, Any]:
    access.report_reader(uow, program_id, principal)
    report = figures(uow, program_id)
    metrics.show_outcomes(report)
    return report
