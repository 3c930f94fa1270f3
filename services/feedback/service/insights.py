"""The insight tracker: a junior raises an insight on their pairing, the leader acknowledges it and marks
it acted upon with what changed; the junior is told through notifications (``insight_acted_upon``)."""

from __future__ import annotations

from typing import Any

from services.feedback.service.commands import AcknowledgeInsight, ActOnInsight, PairingWritten, RaiseInsight
from services.feedback.service.records import active_side
from services.feedback.store import FeedbackUnitOfWork
from shared.contracts.types import InsightActedUpon, InsightRaised
from shared.errors import Conflict, Forbidden, NotFound, StaleWrite
from shared.messages import DomainEvent
from shared.metrics import INSIGHTS_ACTED_UPON

EVENT_FIELDS = ("insight_id", "pairing_id", "program_id", "junior_id", "leader_id", "area", "status")


def _event(insight: dict[str, Any], kind: type) -> Any:
    return kind(insight["pairing_id"], {name: insight[name] for name in EVENT_FIELDS})


def raise_insight(command: RaiseInsight, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    pairing, side, me = active_side(uow, command.pairing_id, command)
    if side != "junior":
        raise Forbidden("only the junior of a pairing raises insights on it")
    body = command.body
    insight = {
        "insight_id": command.insight_id,
        "pairing_id": command.pairing_id,
        "program_id": pairing["program_id"],
        "junior_id": me,
        "leader_id": pairing["leader_id"],
        "area": body["area"],
        "description": body["description"],
        "suggested_action": body.get("suggested_action"),
        "status": "raised",
        "raised_at": uow.clock(),
        "acknowledged_at": None,
        "acted_upon_at": None,
        "what_changed": None,
    }
    if not uow.insights.add(
        command.pairing_id, command.insight_id, insight, [_event(insight, InsightRaised)]
    ):
        raise Conflict(f"insight {command.insight_id} exists already", field="insight_id")
    return [PairingWritten(command.pairing_id, insight, "insights")]


def _leaders_insight(uow: FeedbackUnitOfWork, command: Any) -> dict[str, Any]:
    _pairing, side, _me = active_side(uow, command.pairing_id, command)
    insight = uow.insights.get(command.pairing_id, command.insight_id)
    if insight is None:
        raise NotFound(f"insight {command.insight_id} is not on this pairing", field="insight_id")
    if side != "leader":
        raise Forbidden("only the leader of the pairing acknowledges or acts upon its insights")
    return insight


def acknowledge_insight(command: AcknowledgeInsight, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    insight = _leaders_insight(uow, command)
    if insight["status"] != "raised":
        return [PairingWritten(command.pairing_id, insight, "insights")]  # acknowledged already
    changes = {"status": "acknowledged", "acknowledged_at": uow.clock()}
    if not uow.insights.change(command.pairing_id, command.insight_id, changes, expect={"status": "raised"}):
        raise StaleWrite(command.insight_id)
    return [PairingWritten(command.pairing_id, {**insight, **changes}, "insights")]


def act_on_insight(command: ActOnInsight, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    insight = _leaders_insight(uow, command)
    if insight["status"] == "acted_upon":
        raise Conflict(f"insight {command.insight_id} was acted upon already", field="insight_id")
    now = uow.clock()
    changes = {
        "status": "acted_upon",
        "acted_upon_at": now,
        "what_changed": command.what_changed,
        "acknowledged_at": insight["acknowledged_at"] or now,
    }
    after = {**insight, **changes}
    written = uow.insights.change(
        command.pairing_id,
        command.insight_id,
        changes,
        expect={"status": insight["status"]},
        events=[_event(after, InsightActedUpon)],
    )
    if not written:
        raise StaleWrite(command.insight_id)
    INSIGHTS_ACTED_UPON.inc()
    return [PairingWritten(command.pairing_id, after, "insights")]
