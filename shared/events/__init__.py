"""Events: CloudEvents envelope, payload schema registry, Kafka producer and consumer, outbox relay."""

from shared.events.envelope import EnvelopeError, Event, make_event, parse_event
from shared.events.registry import REGISTRY, EventRegistry, EventType

__all__ = ["REGISTRY", "EnvelopeError", "Event", "EventRegistry", "EventType", "make_event", "parse_event"]
