"""The people side of notifications on the real servers (Kafka, FerretDB): intake's and matching's events
through the worker into each person's own inbox, their e-mail in their locale, and erasure — in the order
that once produced a message to an erased person — leaving nothing of them in any collection."""

from __future__ import annotations

import json
import re

from bson import json_util

from services.notifications.app import create_app
from services.notifications.config import DeliveryConfig
from services.notifications.worker import build_worker
from shared.contracts.types import PairingEnded, PairingPublished, ParticipantErased
from shared.events.producer import EventPublisher
from shared.mongo import database_for
from tests.support.harness import bearer, running, topics_ready, wait_for
from tests.support.notification_people import (
    JUNIOR_CONTACT,
    LEADER_CONTACT,
    cast,
    envelope,
    pairing,
)

CONFIG = DeliveryConfig(public_base_url="http://notifications.test", scheduler_idle_s=0.1)


def publish(settings, *events) -> None:
    from shared.events.registry import REGISTRY

    publisher = EventPublisher(settings)
    publisher.publish_all([(REGISTRY.get(e.type).topic, e) for e in events])
    publisher.close()


def inbox(client, headers, **query) -> dict:
    return client.get("/v1/me/notifications", headers=headers, query_string=query).get_json()


def test_each_person_reads_only_their_own_inbox_marks_it_read_and_is_emailed_in_their_locale(settings_for):
    settings = settings_for("notifications")
    topics_ready(settings)
    publish(settings, *cast(), envelope(PairingPublished("pr-1", pairing("published"))))
    client = create_app(settings).test_client()
    leader, junior = bearer(settings, "E-LEAD", "participant"), bearer(settings, "E-JUN", "participant")

    with running(build_worker(settings, CONFIG), settings):
        page = wait_for(lambda: (p := inbox(client, junior))["unread"] == 2 and p)

    items = {i["template"]: i for i in page["items"]}  # newest first, in the order the worker got there
    assert set(items) == {"pairing_published", "enrolment_confirmed"}, page
    published = items["pairing_published"]
    assert "Lea Leader" in published["text"] and published["subject"].startswith("Vous avez")
    first = inbox(client, junior, limit=1)
    assert len(first["items"]) == 1 and first["next_cursor"]
    rest = inbox(client, junior, limit=1, cursor=first["next_cursor"])
    assert [i["id"] for i in rest["items"]] == [page["items"][1]["id"]] and rest["next_cursor"] is None

    juniors_item = published["id"]
    assert client.post(f"/v1/me/notifications/{juniors_item}/read", headers=leader).status_code == 404
    assert inbox(client, junior)["unread"] == 2
    assert client.post(f"/v1/me/notifications/{juniors_item}/read", headers=junior).get_json() == {
        "marked": 1
    }
    assert client.post("/v1/me/notifications/read", headers=junior).get_json() == {"marked": 1}
    assert inbox(client, junior)["unread"] == 0
    assert {i["template"] for i in inbox(client, leader)["items"]} == {
        "pairing_published",
        "enrolment_confirmed",
    }
    assert client.get("/v1/inbox/J1", headers=bearer(settings)).status_code == 404  # the old route is gone

    deliveries = database_for(settings)["deliveries"]
    emails = list(deliveries.find({"recipient": "E-JUN", "channel": "email"}))
    assert {e["template"] for e in emails} == {"enrolment_confirmed", "pairing_published"}
    assert {e["locale"] for e in emails} == {"fr"} and {e["address"] for e in emails} == {
        JUNIOR_CONTACT["email"]
    }


def test_a_preference_switching_off_mandatory_mail_is_a_422_naming_the_field(settings_for):
    settings = settings_for("notifications")
    client = create_app(settings).test_client()
    me = bearer(settings, "E-LEAD", "participant")
    refused = client.put("/v1/me/preferences", headers=me, json={"channels": {"escalations": ["in_app"]}})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["channels.escalations"]
    saved = client.put(
        "/v1/me/preferences",
        headers=me,
        json={"quiet_hours": {"start": "22:00", "end": "07:00"}, "digest": True},
    )
    assert saved.status_code == 200 and saved.get_json()["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert client.get("/v1/me/preferences", headers=me).get_json()["digest"] is True


def test_a_template_preview_renders_the_sample_and_a_broken_data_set_is_a_422_naming_the_line(settings_for):
    settings = settings_for("notifications")
    client = create_app(settings).test_client()
    admin = bearer(settings, "A1", "admin")
    shown = client.post("/v1/templates/pairing_published/preview", headers=admin, json={"locale": "de"})
    assert shown.status_code == 200 and "Warum Sie beide" in shown.get_json()["text"]
    broken = client.post(
        "/v1/templates/checkin_due/preview", headers=admin, json={"data": {"program_name": "x"}}
    )
    assert broken.status_code == 422
    body = broken.get_json()
    assert "checkin_due" in body["detail"] and "line" in body["detail"]
    participant = bearer(settings, "E-LEAD", "participant")
    assert client.post("/v1/templates/digest/preview", headers=participant, json={}).status_code == 403


def test_erasure_before_matchings_pairing_end_tells_only_the_other_side_and_leaves_no_trace(settings_for):
    settings = settings_for("notifications")
    topics_ready(settings)
    erased = {"participant_id": "L1", "program_id": "prog-1"}
    publish(settings, *cast(), envelope(PairingPublished("pr-1", pairing("published"))))
    client = create_app(settings).test_client()
    junior = bearer(settings, "E-JUN", "participant")
    tombstones = database_for(settings)["tombstones"]
    deliveries = database_for(settings)["deliveries"]

    with running(build_worker(settings, CONFIG), settings):
        # the leader was told of enrolment and pairing (in the inbox and by e-mail) before the erasure
        wait_for(lambda: deliveries.count_documents({"participant_id": "L1"}) >= 4)
        publish(settings, envelope(ParticipantErased("L1", erased)))
        wait_for(lambda: tombstones.count_documents({}) == 1)  # the erasure is in before matching's end
        publish(
            settings, envelope(PairingEnded("pr-1", pairing("ended", end_kind="erased", reason="erased")))
        )
        wait_for(lambda: "pairing_ended" in {i["template"] for i in inbox(client, junior)["items"]})

    db = database_for(settings)
    assert db["deliveries"].count_documents({"template": "pairing_ended", "participant_id": "L1"}) == 0
    assert inbox(client, bearer(settings, "E-LEAD", "participant"))["items"] == []
    assert all("Lea Leader" not in i["text"] for i in inbox(client, junior)["items"])
    names = (LEADER_CONTACT["display_name"], LEADER_CONTACT["email"], "E-LEAD")
    erased_person = re.compile("|".join([r"\bL1\b", *map(re.escape, names)]))
    scanned = 0
    for name in db.list_collection_names():  # every collection, no exceptions
        for document in db[name].find():
            text = json.dumps(document, default=json_util.default)
            assert not erased_person.search(text), (name, erased_person.findall(text))
            scanned += 1
    assert scanned and db["deliveries"].count_documents({"recipient": "erased"}) >= 4  # counts stay
