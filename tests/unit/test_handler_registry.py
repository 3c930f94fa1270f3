"""Every service's Kafka handler map listens only for registered event types, on topics it subscribes to:
a handler keyed by a type nobody publishes (a typo, a renamed event) would never run."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.events.registry import REGISTRY
from shared.messages import PublishedEvent


def _intake():
    from services.intake import events
    from services.intake.service import build_bus
    from services.intake.store.memory import MemoryIntakeUnitOfWork

    return events, events.handlers(build_bus(MemoryIntakeUnitOfWork()))


def _matching():
    from services.matching import events
    from services.matching.service import build_bus
    from services.matching.store.uow import MemoryMatchingUnitOfWork

    return events, events.handlers(build_bus(MemoryMatchingUnitOfWork()))


def _notifications():
    from services.notifications import events
    from services.notifications.service.bus import build_bus
    from services.notifications.store.uow import MemoryNotificationsUnitOfWork

    return events, events.handlers(build_bus(MemoryNotificationsUnitOfWork()))


def _feedback():
    from services.feedback import events
    from services.feedback.service import build_bus
    from services.feedback.store import MemoryFeedbackUnitOfWork

    return events, events.handlers(build_bus(MemoryFeedbackUnitOfWork()))


SERVICES: dict[str, Callable] = {
    "intake": _intake,
    "matching": _matching,
    "notifications": _notifications,
    "feedback": _feedback,
}


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_handlers_are_keyed_by_registered_event_classes_on_its_own_topics(service):
    events, handlers = SERVICES[service]()
    assert handlers, f"{service} consumes nothing"
    for key, handler in handlers.items():
        assert isinstance(key, type) and issubclass(key, PublishedEvent), f"{service}: {key!r} is not a class"
        registered = REGISTRY.get(REGISTRY.type_name(key))
        assert registered.event_class is key
        assert registered.topic in events.CONSUMED_TOPICS, f"{service} never reads {registered.topic}"
        assert callable(handler)
