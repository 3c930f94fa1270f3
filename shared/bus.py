"""The in-process message bus: a command goes to its one handler; the events it returns go to the
follow-ups declared for them, which turn an event into the next command. No use case calls another.

A follow-up runs after the command's own writes are durable and on its own: when it fails (a rematch
that finds the program busy, a database blip) the command's result stands, the failure is logged and
counted, and the state that asked for the follow-up (a waitlist entry, say) stays for the next trigger.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from shared.errors import DomainError
from shared.messages import Command, DomainEvent
from shared.metrics import FOLLOW_UPS

log = logging.getLogger(__name__)
UoW = TypeVar("UoW")
CommandHandler = Callable[[Any, UoW], Iterable[DomainEvent] | None]
FollowUp = Callable[[Any], Command | Iterable[Command] | None]


class UnknownCommand(LookupError):
    """No handler is registered for this command type: a wiring mistake, found at the first call."""


class MessageBus(Generic[UoW]):
    """Dispatches commands to handlers over one unit of work and events to their follow-ups."""

    def __init__(
        self,
        service: str,
        uow: UoW,
        commands: Mapping[type[Command], CommandHandler],
        follow_ups: Mapping[type[DomainEvent], Sequence[FollowUp]] | None = None,
    ) -> None:
        self.service = service
        self.uow = uow
        self.commands = dict(commands)
        self.follow_ups = {kind: tuple(handlers) for kind, handlers in (follow_ups or {}).items()}

    def handle(self, command: Command) -> list[DomainEvent]:
        """Run the command's handler and, after it, every follow-up its events ask for; returns the
        command's own events (the caller maps them to its response). The handler's errors propagate."""
        produced = self._run(command)
        queue = deque(produced)
        while queue:
            event = queue.popleft()
            for follow_up in self.follow_ups.get(type(event), ()):
                for next_command in _as_commands(follow_up(event)):
                    queue.extend(self._run_follow_up(next_command, event))
        return produced

    def _run(self, command: Command) -> list[DomainEvent]:
        handler = self.commands.get(type(command))
        if handler is None:
            raise UnknownCommand(f"{self.service} has no handler for {type(command).__name__}")
        return list(handler(command, self.uow) or [])

    def _run_follow_up(self, command: Command, cause: DomainEvent) -> list[DomainEvent]:
        name = type(command).__name__
        try:
            events = self._run(command)
        except DomainError as refusal:
            FOLLOW_UPS.labels(self.service, name, "refused").inc()
            log.info("%s after %s refused: %s", name, type(cause).__name__, refusal.detail)
            return []
        except Exception:
            FOLLOW_UPS.labels(self.service, name, "failed").inc()
            log.exception(
                "%s after %s failed; its trigger stays for the next one", name, type(cause).__name__
            )
            return []
        FOLLOW_UPS.labels(self.service, name, "succeeded").inc()
        return events


def _as_commands(result: Command | Iterable[Command] | None) -> list[Command]:
    if result is None:
        return []
    if isinstance(result, Command):
        return [result]
    return list(result)
