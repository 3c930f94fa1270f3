"""One-click unsubscribe on the real database: the signed token alone authorises (no bearer token), a POST
switches that category's e-mail off for that person only, a GET shows a page and changes nothing; a
mandatory category is a 409, a forged or expired token a 401, no token a 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.api.unsubscribe import configured_keys
from services.notifications.app import create_app
from services.notifications.domain.unsubscribe import UnsubscribeKeys
from tests.support.harness import bearer

SECRET = "an-unsubscribe-secret-of-32-bytes!"


@pytest.fixture
def keys(monkeypatch) -> UnsubscribeKeys:
    monkeypatch.setenv("UNSUBSCRIBE_SECRET", SECRET)
    configured_keys.cache_clear()
    yield UnsubscribeKeys(SECRET)
    configured_keys.cache_clear()


def test_one_click_turns_off_that_categorys_email_for_that_person_only(settings_for, keys):
    settings = settings_for("notifications")
    client = create_app(settings).test_client()
    token = keys.issue("E-JUN", "reminders", "email", datetime.now(UTC))

    page = client.get("/v1/unsubscribe", query_string={"token": token})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert b'method="post"' in page.data and b"reminders" in page.data
    junior = bearer(settings, "E-JUN", "participant")
    assert "email" in client.get("/v1/me/preferences", headers=junior).get_json()["channels"]["reminders"]

    one_click = {"List-Unsubscribe": "One-Click"}  # what a mail client posts (RFC 8058)
    done = client.post("/v1/unsubscribe", query_string={"token": token}, data=one_click)
    assert done.status_code == 200
    assert done.get_json() == {"category": "reminders", "channel": "email", "unsubscribed": True}
    assert client.post("/v1/unsubscribe", query_string={"token": token}, data=one_click).status_code == 200
    mine = client.get("/v1/me/preferences", headers=junior).get_json()["channels"]
    assert mine["reminders"] == ["in_app"] and "email" in mine["insights"]
    other = client.get("/v1/me/preferences", headers=bearer(settings, "E-LEAD", "participant")).get_json()
    assert "email" in other["channels"]["reminders"]

    browser = client.post(
        "/v1/unsubscribe", query_string={"token": token}, data=one_click, headers={"Accept": "text/html"}
    )
    assert browser.mimetype == "text/html" and b"Unsubscribed" in browser.data


def test_a_mandatory_category_a_forged_an_expired_or_a_missing_token_is_a_problem(settings_for, keys):
    client = create_app(settings_for("notifications")).test_client()
    mandatory = keys.issue("E-JUN", "pairing", "email", datetime.now(UTC))
    refused = client.post("/v1/unsubscribe", query_string={"token": mandatory})
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert "mandatory" in refused.get_json()["detail"]
    assert b"cannot be switched off" in client.get("/v1/unsubscribe?token=" + mandatory).data

    forged = UnsubscribeKeys("x" * 32).issue("E-JUN", "reminders", "email", datetime.now(UTC))
    expired = keys.issue("E-JUN", "reminders", "email", datetime.now(UTC) - timedelta(days=61))
    for token in (forged, expired, "not-a-token"):
        answer = client.post("/v1/unsubscribe", query_string={"token": token})
        assert answer.status_code == 401 and answer.mimetype == "application/problem+json", token
    assert "expired" in client.get("/v1/unsubscribe", query_string={"token": expired}).get_json()["detail"]
    missing = client.post("/v1/unsubscribe")
    assert missing.status_code == 422 and [e["field"] for e in missing.get_json()["errors"]] == ["token"]
