"""The example consumer other teams copy (docs/examples) works against the real broker."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

from shared.contracts import PAIRINGS
from shared.events.envelope import make_event
from shared.events.producer import EventPublisher
from tests.support.harness import topics_ready, wait_for

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "pairing_consumer.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("pairing_consumer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pairing(state: str) -> dict:
    return {
        "pairing_id": "pairing-1",
        "program_id": "prog",
        "leader_id": "L1",
        "junior_id": "J1",
        "state": state,
    }


def test_example_consumer_handles_each_pairing_event_once_and_skips_unknown_versions(settings_for):
    settings = settings_for("matching")
    topics_ready(settings)
    example = _load_example()
    published = make_event("mentoring.pairing.published.v1", "/tests", "pairing-1", _pairing("published"))
    accepted = make_event("mentoring.pairing.accepted.v1", "/tests", "pairing-1", _pairing("accepted"))
    future = make_event("mentoring.pairing.accepted.v2", "/tests", "pairing-1", _pairing("accepted"))
    publisher = EventPublisher(settings)
    try:
        # the published event twice: an at-least-once redelivery with the same id
        for e in (published, published, accepted, future):
            publisher.send(settings.topic(PAIRINGS), e).get(timeout=30)
    finally:
        publisher.close()

    handled: list[dict] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=example.consume,
        args=(settings.kafka_bootstrap_servers, f"{settings.topic_prefix}example-team", handled.append),
        kwargs={"topic": settings.topic(PAIRINGS), "should_stop": stop.is_set},
        daemon=True,
    )
    thread.start()
    try:
        wait_for(lambda: len(handled) >= 2, timeout_s=60)
    finally:
        stop.set()
        thread.join(30)
    assert [(e["id"], e["type"]) for e in handled] == [
        (published.id, "mentoring.pairing.published.v1"),
        (accepted.id, "mentoring.pairing.accepted.v1"),
    ]
