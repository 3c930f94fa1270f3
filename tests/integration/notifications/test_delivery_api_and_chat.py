"""Admins of a program set its chat webhook (SSRF-checked), chat messages reach a real local HTTP
receiver as Slack-compatible Block Kit JSON, and the delivery log lists, filters, pages and resends."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.notifications.app import create_app
from services.notifications.channels.webhook import configured
from services.notifications.service.deliver import plan_delivery
from services.notifications.store.uow import MongoNotificationsUnitOfWork
from services.notifications.worker import build_worker
from shared.mongo import database_for
from tests.support.harness import bearer, running, wait_for
from tests.support.smtp import delivery_config, email, smtp_sink


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        self.bodies: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:
                length = int(handler.headers["Content-Length"])
                self.bodies.append(json.loads(handler.rfile.read(length)))
                handler.send_response(200)
                handler.end_headers()
                handler.wfile.write(b"ok")

            def log_message(handler, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/program"


@pytest.fixture
def allow_loopback(monkeypatch):
    """The local receiver on the SSRF allow-list (WEBHOOK_ALLOWED_HOSTS, read once per process)."""
    monkeypatch.setenv("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
    configured.cache_clear()
    yield
    configured.cache_clear()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.shutdown()
    server.server_close()


def test_a_program_admin_sets_the_chat_webhook_and_chat_messages_arrive_as_block_kit(
    settings_for, tmp_path, receiver, allow_loopback
):
    settings = settings_for("notifications")
    db = database_for(settings)
    uow = MongoNotificationsUnitOfWork(db)
    uow.people.save_program("prog-1", {"admins": ["E-ADMIN"]}, datetime.now(UTC), "evt-program")
    client = create_app(settings).test_client()
    admin, other_admin = bearer(settings, "E-ADMIN", "admin"), bearer(settings, "E-OTHER", "admin")
    path = "/v1/programs/prog-1/chat-webhook"

    assert client.put(path, json={"url": receiver.url}, headers=other_admin).status_code == 403
    refused = client.put(path, json={"url": "http://10.1.2.3/hook"}, headers=admin)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.get_json()["errors"]] == ["url"]
    saved = client.put(path, json={"url": receiver.url}, headers=admin)
    assert saved.status_code == 200 and saved.get_json()["updated_by"] == "E-ADMIN"
    assert client.get(path, headers=admin).get_json()["url"] == receiver.url

    chat = replace(
        email("evt-chat", "prog-1", channel="chat", html=None),
        message_id="evt-chat:prog-1:chat",
        address=client.get(path, headers=admin).get_json()["url"],
    )
    with smtp_sink(tmp_path / "mailbox") as sink:
        plan_delivery(uow, chat)
        plan_delivery(uow, email("evt-chat", "E1"))
        with running(build_worker(settings, delivery_config(sink)), settings):
            wait_for(lambda: len(receiver.bodies) == 1 and len(sink.index()) == 1, timeout_s=30)
            listed = client.get("/v1/deliveries?event=evt-chat&status=sent", headers=admin).get_json()
            first = client.get("/v1/deliveries?event=evt-chat&limit=1", headers=admin).get_json()
            rest = client.get(f"/v1/deliveries?event=evt-chat&cursor={first['next_cursor']}", headers=admin)
            resent = client.post("/v1/deliveries/evt-chat:prog-1:chat/resend", headers=admin)
            wait_for(lambda: len(receiver.bodies) == 2, timeout_s=30)

    [body, again] = receiver.bodies
    assert body["text"].startswith("You have a reverse-mentoring match")
    assert body["blocks"][0] == {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*You have a reverse-mentoring match*"},
    }
    assert again == body
    assert sorted(item["channel"] for item in listed["items"]) == ["chat", "email"]
    assert len(first["items"]) == 1 and first["next_cursor"]
    paged = [item["message_id"] for item in first["items"] + rest.get_json()["items"]]
    assert sorted(paged) == ["evt-chat:E1:email", "evt-chat:prog-1:chat"]
    assert resent.status_code == 202
    assert resent.get_json() == {
        "original_id": "evt-chat:prog-1:chat",
        "message_id": "evt-chat:prog-1:chat:resend:1",
    }
    assert client.get("/v1/deliveries", headers=bearer(settings, "E1", "participant")).status_code == 403
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404
