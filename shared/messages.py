"""The messages of the service layer: commands (imperative: ``PublishRun``) ask a use case to act, domain
events (past tense: ``PairingDeclined``) say what happened.

A domain event class that names a ``type`` is part of the published contract: defining it registers its
CloudEvents type, topic, payload schema and description (the class docstring) once, and the outbox turns
its instances into envelopes. Classes without a ``type`` are internal facts the in-process bus dispatches
but nobody outside the service sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from marshmallow import Schema

from shared.events.envelope import Event, make_event
from shared.events.registry import REGISTRY


class Command:
    """Base of commands; subclasses are frozen dataclasses named in the imperative."""


@dataclass(frozen=True)
class DomainEvent:
    """Base of domain events; subclasses are frozen dataclasses named in the past tense."""


@dataclass(frozen=True)
class ForgetParticipant(Command):
    """Erasure, as every service that keeps something of a person handles it on ``participant.erased``:
    delete or anonymise what this service holds of the participant (the event carries ids only)."""

    participant_id: str


@dataclass(frozen=True, eq=True)
class PublishedEvent(DomainEvent):
    """A fact other services may rely on: published on ``topic`` keyed by ``key`` (the aggregate id).

    Subclasses are declared as ``class PairingDeclined(PublishedEvent, type=..., topic=..., schema=...)``
    with a docstring that becomes the contract's description; ``data`` is the JSON-ready payload.
    """

    type: ClassVar[str]
    topic: ClassVar[str]
    schema: ClassVar[type[Schema]]
    key: str
    data: dict[str, Any]

    __hash__ = None  # type: ignore[assignment]  # ``data`` is a dict: events compare, they don't hash

    def __init_subclass__(
        cls,
        *,
        type: str | None = None,
        topic: str | None = None,
        schema: type[Schema] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if type is None or topic is None or schema is None:
            return  # an intermediate base, not a contract type
        cls.type, cls.topic, cls.schema = type, topic, schema
        description = " ".join((cls.__doc__ or "").split())
        if not description:
            raise TypeError(f"{cls.__name__} needs a docstring: it is the contract's description")
        REGISTRY.register(type, topic, schema, description, event_class=cls)

    @property
    def subject(self) -> str:
        return self.key

    def envelope(self, source: str) -> Event:
        """This fact as the CloudEvent the outbox stores and the relay publishes."""
        return make_event(self.type, source, self.key, self.data)

    @classmethod
    def from_envelope(cls, event: Event) -> PublishedEvent:
        """The domain event a consumed (already validated) envelope carries."""
        return cls(event.subject or "", event.data)
