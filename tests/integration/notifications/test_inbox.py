"""Notifications end to end on the real servers: a pairing event on Kafka lands in both inboxes."""

from __future__ import annotations

from services.notifications.app import create_app
from services.notifications.worker import build_worker
from shared.contracts import PAIRINGS
from shared.contracts.types import PairingPublished
from shared.events.producer import EventPublisher
from tests.support.harness import bearer, running, topics_ready, wait_for
from tests.support.pairing_payloads import pairing_payload

PROBLEM = "application/problem+json"
PAIRING = pairing_payload("published")


def test_a_published_pairing_reaches_both_inboxes_and_each_reads_only_their_own(settings_for):
    settings = settings_for("notifications")
    topics_ready(settings)
    publisher = EventPublisher(settings)
    publisher.publish_all([(PAIRINGS, PairingPublished("pr-1", PAIRING).envelope("/tests"))])
    publisher.close()
    client = create_app(settings).test_client()
    leader = bearer(settings, "L1", "participant")

    with running(build_worker(settings), settings):
        page = wait_for(
            lambda: (r := client.get("/v1/inbox/L1", headers=leader)).get_json()["total"] == 1 and r
        )

    item = page.get_json()["items"][0]
    assert item["template"] == "pairing_published" and item["recipient_id"] == "L1"
    assert client.get("/v1/inbox/J1", headers=leader).status_code == 403
    assert client.get("/v1/inbox/J1", headers=bearer(settings)).get_json()["total"] == 1


def test_an_inbox_read_without_a_token_is_401_even_with_a_bad_query(settings_for):
    client = create_app(settings_for("notifications")).test_client()
    response = client.get("/v1/inbox/L1?page=abc&page_size=-1")
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert "errors" not in response.get_json()
