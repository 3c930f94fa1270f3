"""What the scheduler does for a pairing: look at its check-in cadence at the end of every period (a missed
one publishes ``checkin_due`` once and lowers its health) and open its milestone surveys on their dates
(``survey_due``). Items live in the database (``shared.schedule``), so a restart loses none."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from services.feedback.domain import checkins, surveys
from services.feedback.pulse.scheduling import DUE as PULSE_DUE
from services.feedback.service.commands import (
    AssessPairing,
    CheckCadence,
    OpenSurvey,
    PairingWritten,
    PlanPairing,
)
from services.feedback.service.projections import PairingTracked
from services.feedback.store import FeedbackUnitOfWork
from shared.bus import MessageBus
from shared.contracts.types import CheckInDue, SurveyDue
from shared.messages import Command, DomainEvent

log = logging.getLogger(__name__)
CADENCE = "cadence"
SURVEY = "survey"
LEASE = timedelta(minutes=2)
BATCH = 100


def _at(day: date) -> datetime:
    return datetime.combine(day, time(8), tzinfo=UTC)


def _parse(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def after_tracking(event: PairingTracked) -> list[Command]:
    return [AssessPairing(event.pairing_id), PlanPairing(event.pairing_id)]


def plan(command: PlanPairing, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """An active pairing gets its first cadence look and its three surveys (idempotent: same ids, same
    times); an ended one loses what is still scheduled."""
    pairing = uow.pairings.get(command.pairing_id)
    if pairing is None:
        return []
    if pairing.get("state") != "active":
        uow.schedule.cancel("pairing_id", command.pairing_id)
        return []
    program = uow.programs.get(pairing["program_id"]) or {}
    activated = _parse(pairing["activated_on"])
    assert activated is not None
    first = checkins.next_check(activated, activated, program.get("cadence_weeks", 2))
    ref = {"pairing_id": command.pairing_id}
    uow.schedule.schedule(f"{command.pairing_id}:{CADENCE}:{first}", CADENCE, _at(first), ref)
    dates = surveys.due_dates(
        activated,
        _parse(program.get("starts_on")),
        _parse(program.get("ends_on")),
        timedelta(days=program.get("fit_check_after_days", surveys.FIT_CHECK_AFTER.days)),
    )
    for kind, due in dates.items():
        payload = {**ref, "kind": kind, "due_on": due.isoformat()}
        # A survey due on the activation day itself (a fit check set to 0 days) opens at once: its day
        # began before the activation, whereas 08:00 may still lie ahead.
        at = datetime.combine(due, time(0), tzinfo=UTC) if due <= activated else _at(due)
        uow.schedule.schedule(f"{command.pairing_id}:{SURVEY}:{kind}", SURVEY, at, payload)
    return []


def check_cadence(command: CheckCadence, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    """A missed period publishes ``checkin_due`` once (the period is remembered in the same write, so a
    repeated look publishes nothing); the next look is scheduled at the end of the current period."""
    pairing = uow.pairings.get(command.pairing_id)
    if pairing is None or pairing.get("state") != "active":
        return []
    program = uow.programs.get(pairing["program_id"]) or {}
    weeks = program.get("cadence_weeks", 2)
    held = _parse(pairing.get("last_held_on"))
    last = held or _parse(pairing["activated_on"])
    assert last is not None
    missed = checkins.missed_periods(last, command.today, weeks)
    if missed:
        period = f"{last.isoformat()}+{missed}"
        due = CheckInDue(
            command.pairing_id,
            {
                "pairing_id": command.pairing_id,
                "program_id": pairing["program_id"],
                "leader_id": pairing["leader_id"],
                "junior_id": pairing["junior_id"],
                "due_on": (last + timedelta(weeks=weeks * missed)).isoformat(),
                "last_held_on": held.isoformat() if held else None,
                "weeks_without": (command.today - last).days // 7,
            },
        )
        if pairing.get("checkin_due_for") != period:
            uow.pairings.mark_once(
                command.pairing_id, "checkin_due_for", period, pairing.get("checkin_due_for"), due
            )
    following = checkins.next_check(last, command.today, weeks)
    uow.schedule.schedule(
        f"{command.pairing_id}:{CADENCE}:{following}",
        CADENCE,
        _at(following),
        {"pairing_id": command.pairing_id},
    )
    return [PairingWritten(command.pairing_id)]


def open_survey(command: OpenSurvey, uow: FeedbackUnitOfWork) -> list[DomainEvent]:
    pairing = uow.pairings.get(command.pairing_id)
    flag = f"survey_{command.kind}_due"
    if pairing is None or pairing.get("state") != "active" or pairing.get(flag):
        return []
    event = SurveyDue(
        command.pairing_id,
        {
            "survey_id": f"{command.pairing_id}:{command.kind}",
            "pairing_id": command.pairing_id,
            "program_id": pairing["program_id"],
            "kind": command.kind,
            "leader_id": pairing["leader_id"],
            "junior_id": pairing["junior_id"],
            "due_on": command.due_on.isoformat(),
        },
    )
    uow.pairings.mark_once(command.pairing_id, flag, command.due_on.isoformat(), None, event)
    return []


def command_for(kind: str, payload: dict[str, Any], today: date) -> Command | None:
    """The command a due item becomes: feedback's own kinds here, the pulse's from its ``DUE`` table."""
    if kind == CADENCE:
        return CheckCadence(payload["pairing_id"], today)
    if kind == SURVEY:
        return OpenSurvey(payload["pairing_id"], payload["kind"], date.fromisoformat(payload["due_on"]))
    pulse_due = PULSE_DUE.get(kind)
    return None if pulse_due is None else pulse_due(payload)


def run_due(bus: MessageBus, owner: str, now: datetime | None = None) -> int:
    """Claim what is due and run it through the bus; a failure is tried again in a minute."""
    uow = bus.uow
    now = now or uow.clock()
    done = 0
    for item in uow.schedule.claim_due(now, owner, BATCH, LEASE):
        try:
            command = command_for(item.kind, item.payload, now.date())
            if command is not None:
                bus.handle(command)
            uow.schedule.done(item)
            done += 1
        except Exception:
            log.exception("scheduled %s %s failed; tried again in a minute", item.kind, item.item_id)
            uow.schedule.retry(item, now + timedelta(minutes=1))
    return done


def scheduler_loop(bus: MessageBus, interval_s: float = 5.0):
    owner = f"feedback-{uuid.uuid4()}"

    def loop(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                busy = run_due(bus, owner) >= BATCH
            except Exception:
                log.exception("the scheduler's poll failed; trying again")
                busy = False
            if not busy:
                stop.wait(interval_s)

    return loop
