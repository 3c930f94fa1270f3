"""Feedback's use cases on the in-memory unit of work: a command through the bus, no servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.feedback.service import ForgetParticipant, TrackPairingHealth, build_bus
from services.feedback.service.queries import pairing_health as health_query
from services.feedback.store import MemoryFeedbackUnitOfWork
from shared.auth import Principal
from shared.contracts.types import PairingActivated, PairingEnded, PairingPublished
from shared.errors import NotFound
from shared.projection import event_time
from tests.support.pairing_payloads import pairing_payload

PAIRING = pairing_payload("active", score=0.8)
START = datetime(2026, 11, 25, 10, tzinfo=UTC)
SERVICE = Principal("svc", frozenset({"service"}))


def pairing_health(uow, pairing_id):
    return health_query(uow, pairing_id, SERVICE)


@pytest.fixture
def uow():
    return MemoryFeedbackUnitOfWork()


def test_an_activated_pairing_is_tracked_as_active_with_its_people_only(uow):
    bus = build_bus(uow)
    tracked = bus.handle(TrackPairingHealth("e1", PairingActivated("pr-1", PAIRING), START))
    assert [type(event).__name__ for event in tracked] == ["PairingTracked"]
    record = pairing_health(uow, "pr-1")
    assert record["health"]["components"] == {"cadence": 100.0, "goals": 50.0, "fit": None}
    assert {k: v for k, v in record.items() if k not in ("health", "at_risk")} == {
        "pairing_id": "pr-1",
        "program_id": "prog-1",
        "leader_id": "L1",
        "junior_id": "J1",
        "state": "active",
        "activated_on": "2026-11-25",
    }


def test_an_end_wins_over_an_activation_that_arrives_late(uow):
    bus = build_bus(uow)
    bus.handle(TrackPairingHealth("e2", PairingEnded("pr-1", {**PAIRING, "state": "ended"}), START))
    bus.handle(TrackPairingHealth("e1", PairingActivated("pr-1", PAIRING), START - timedelta(days=1)))
    assert pairing_health(uow, "pr-1")["state"] == "ended"


def test_a_publication_changes_no_health_record(uow):
    bus = build_bus(uow)
    bus.handle(TrackPairingHealth("e0", PairingPublished("pr-1", {**PAIRING, "state": "published"}), START))
    with pytest.raises(NotFound):
        pairing_health(uow, "pr-1")


def test_forgetting_a_participant_keeps_the_pairing_but_not_their_id(uow):
    bus = build_bus(uow)
    bus.handle(TrackPairingHealth("e1", PairingActivated("pr-1", PAIRING), START))
    assert [e.pairing_id for e in bus.handle(ForgetParticipant("J1"))] == ["pr-1"]  # recounted after
    record = pairing_health(uow, "pr-1")
    assert record["junior_id"] == "erased" and record["leader_id"] == "L1" and record["state"] == "active"


def test_the_kafka_handler_tracks_a_pairing_as_of_its_event_time(uow):
    from services.feedback.events import handlers

    ended = PairingEnded("pr-1", {**PAIRING, "state": "ended"}).envelope("/tests")
    handlers(build_bus(uow))[PairingEnded](ended)
    older = event_time(ended) - timedelta(minutes=1)
    build_bus(uow).handle(TrackPairingHealth("e0", PairingActivated("pr-1", PAIRING), older))
    assert pairing_health(uow, "pr-1")["state"] == "ended"
