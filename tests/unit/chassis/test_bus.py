"""The in-process message bus: a command reaches its handler, its events reach their follow-ups."""

from __future__ import annotations

from dataclasses import make_dataclass

import pytest

from shared.bus import MessageBus, UnknownCommand
from shared.errors import Conflict
from shared.messages import Command, DomainEvent

DeclinePair = make_dataclass("DeclinePair", ["pair"], bases=(Command,), frozen=True)
Rematch = make_dataclass("Rematch", ["program"], bases=(Command,), frozen=True)
PairDeclined = make_dataclass("PairDeclined", ["pair"], bases=(DomainEvent,), frozen=True)
Rematched = make_dataclass("Rematched", ["program"], bases=(DomainEvent,), frozen=True)


class Log:
    def __init__(self) -> None:
        self.calls: list[str] = []


def decline(command: DeclinePair, uow: Log) -> list[DomainEvent]:
    uow.calls.append(f"declined {command.pair}")
    return [PairDeclined(command.pair)]


def rematch(command: Rematch, uow: Log) -> list[DomainEvent]:
    uow.calls.append(f"rematched {command.program}")
    return [Rematched(command.program)]


def bus_with(rematch_handler=rematch) -> MessageBus[Log]:
    return MessageBus(
        "tests",
        Log(),
        {DeclinePair: decline, Rematch: rematch_handler},
        {PairDeclined: [lambda event: Rematch(f"program-of-{event.pair}")]},
    )


def test_a_command_returns_its_own_events_and_its_follow_up_runs_after_it():
    bus = bus_with()
    assert bus.handle(DeclinePair("x")) == [PairDeclined("x")]
    assert bus.uow.calls == ["declined x", "rematched program-of-x"]


def test_a_refused_follow_up_leaves_the_command_result_standing():
    def busy(command, uow):
        raise Conflict("another run is in progress")

    bus = bus_with(busy)
    assert bus.handle(DeclinePair("x")) == [PairDeclined("x")]
    assert bus.uow.calls == ["declined x"]


def test_a_failing_follow_up_is_logged_not_raised(caplog):
    def broken(command, uow):
        raise RuntimeError("database blip")

    bus = bus_with(broken)
    assert bus.handle(DeclinePair("x")) == [PairDeclined("x")]
    assert "Rematch after PairDeclined failed" in caplog.text


def test_the_command_handler_errors_reach_the_caller():
    def refuse(command, uow):
        raise Conflict("no")

    bus = MessageBus("tests", Log(), {DeclinePair: refuse})
    with pytest.raises(Conflict):
        bus.handle(DeclinePair("x"))


def test_a_command_without_a_handler_is_a_wiring_error():
    with pytest.raises(UnknownCommand, match="Rematch"):
        MessageBus("tests", Log(), {}).handle(Rematch("p"))
