"""Subscriber webhooks' pure rules: signatures a receiver verifies, the retry schedule, an endpoint's
rotation overlap and disabling, and which URLs the SSRF rule refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from services.notifications.domain.webhooks import (
    Endpoint,
    PolicyError,
    RetrySchedule,
    Secret,
    WebhookPolicy,
    message_id,
    new_secret,
    signed_headers,
    subscribable_types,
    unsubscribable,
    url_refusal,
    verdict,
)

NOW = datetime.now(UTC).replace(microsecond=0)
BODY = json.dumps({"id": "e1", "type": "mentoring.pairing.published.v1", "data": {"pairing_id": "P1"}})


def resolver(answers: dict[str, list[str]]):
    def resolve(host: str, _port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return resolve


def endpoint(**changes) -> Endpoint:
    base = Endpoint(
        "we_1",
        "https://hooks.example.com/in",
        ("mentoring.pairing.published.v1",),
        "E1",
        NOW,
        (Secret(new_secret(), NOW),),
        program_id="PRG1",
    )
    return base.__class__(**{**base.__dict__, **changes})


def test_a_receiver_holding_the_secret_verifies_a_signed_message():
    secret = new_secret()
    headers = signed_headers("msg_1", BODY, [secret], datetime.now(UTC))
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    assert headers["webhook-id"] == "msg_1"


def test_a_receiver_with_another_secret_detects_the_forgery():
    headers = signed_headers("msg_1", BODY, [new_secret()], datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_a_changed_body_does_not_verify():
    secret = new_secret()
    headers = signed_headers("msg_1", BODY, [secret], datetime.now(UTC))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace("P1", "P2"), headers)


def test_during_a_rotation_both_secrets_sign_and_either_verifies():
    old, new = new_secret(), new_secret()
    headers = signed_headers("msg_1", BODY, [new, old], datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, headers)


def test_the_message_id_is_stable_per_event_and_endpoint():
    assert message_id("e1", "we_1") == message_id("e1", "we_1")
    assert message_id("e1", "we_1") != message_id("e1", "we_2")
    assert message_id("e1", "we_1") != message_id("e2", "we_1")


def test_the_default_schedule_is_svix_like_and_ends():
    schedule = RetrySchedule()
    assert schedule.first() == timedelta(0)
    waits = [schedule.after_failure(n) for n in range(schedule.attempts)]
    assert waits[:-1] == [timedelta(seconds=s) for s in (5, 300, 1800, 7200, 18000, 36000, 36000)]
    assert waits[-1] is None


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, {}, "delivered"),
        (204, {"webhook-delivery": "abort-message"}, "delivered"),
        (500, {}, "retry"),
        (None, {}, "retry"),
        (302, {}, "retry"),
        (404, {}, "retry"),
        (410, {}, "gone"),
        (500, {"Webhook-Delivery": " Abort-Message "}, "abort"),
        (400, {"webhook-delivery": "abort-message"}, "abort"),
    ],
)
def test_a_receivers_answer_decides_the_message(status, headers, expected):
    assert verdict(status, headers) == expected


def test_a_rotation_keeps_the_old_secret_signing_only_for_the_overlap():
    first = endpoint()
    old = first.secrets[0].value
    rotated = first.rotated("whsec_bmV3", NOW, timedelta(hours=1))
    assert rotated.signing_keys(NOW) == ["whsec_bmV3", old]
    assert rotated.signing_keys(NOW + timedelta(minutes=59)) == ["whsec_bmV3", old]
    assert rotated.signing_keys(NOW + timedelta(hours=1)) == ["whsec_bmV3"]


def test_a_second_rotation_drops_secrets_whose_overlap_ended():
    rotated = endpoint().rotated("whsec_Yg==", NOW, timedelta(minutes=5))
    again = rotated.rotated("whsec_Yw==", NOW + timedelta(minutes=10), timedelta(minutes=5))
    assert [s.value for s in again.secrets] == ["whsec_Yw==", "whsec_Yg=="]


def test_an_endpoint_failing_longer_than_the_limit_is_disabled_and_a_success_resets_the_clock():
    limit = timedelta(minutes=10)
    failing = endpoint().attempt_failed(NOW, limit)
    assert failing.failing_since == NOW and not failing.disabled
    still = failing.attempt_failed(NOW + timedelta(minutes=9), limit)
    assert not still.disabled
    assert still.attempt_succeeded().attempt_failed(NOW + timedelta(minutes=11), limit).disabled is False
    disabled = still.attempt_failed(NOW + timedelta(minutes=10), limit)
    assert disabled.disabled and disabled.disabled_reason == "failing for 600 s"
    assert not disabled.wants("mentoring.pairing.published.v1", "PRG1")
    assert disabled.enable().wants("mentoring.pairing.published.v1", "PRG1")


def test_an_endpoint_receives_its_types_of_its_program_only():
    scoped = endpoint()
    assert scoped.wants("mentoring.pairing.published.v1", "PRG1")
    assert not scoped.wants("mentoring.pairing.published.v1", "PRG2")
    assert not scoped.wants("mentoring.pairing.ended.v1", "PRG1")
    assert endpoint(program_id=None).wants("mentoring.pairing.published.v1", "PRG2")


def test_an_endpoint_survives_its_record():
    rotated = endpoint().rotated(new_secret(), NOW, timedelta(hours=1))
    assert Endpoint.from_record(rotated.to_record()) == rotated


def test_personal_data_events_are_not_subscribable():
    types = subscribable_types()
    assert "mentoring.pairing.published.v1" in types and "mentoring.match_run.completed.v1" in types
    assert "mentoring.program.created.v1" in types and "mentoring.feedback.insight_acted_upon.v1" in types
    assert unsubscribable(
        ["mentoring.participant.registered.v1", "mentoring.contact.upserted.v1", "mentoring.nope.v1"]
    ) == ["mentoring.participant.registered.v1", "mentoring.contact.upserted.v1", "mentoring.nope.v1"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://[fc00::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://240.0.0.1/",
        "http://100.64.0.1/",
        "http://internal.example.com/",
        "http://rebinding.example.com/",
        "ftp://hooks.example.com/",
        "file:///etc/passwd",
        "http:///no-host",
        "http://unknown.example.com/",
    ],
)
def test_internal_or_odd_urls_are_refused(url):
    resolve = resolver(
        {"internal.example.com": ["10.1.2.3"], "rebinding.example.com": ["93.184.216.34", "127.0.0.1"]}
    )
    assert url_refusal(url, set(), resolve) is not None


def test_public_urls_and_allow_listed_hosts_pass():
    resolve = resolver({"hooks.example.com": ["93.184.216.34"], "localhost": ["127.0.0.1"]})
    assert url_refusal("https://hooks.example.com/in", set(), resolve) is None
    assert url_refusal("https://8.8.8.8/", set(), resolve) is None
    assert url_refusal("http://localhost:9000/", {"localhost"}, resolve) is None
    assert url_refusal("http://LOCALHOST:9000/", {"localhost"}, resolve) is None
    assert url_refusal("http://localhost:9000/", {"127.0.0.1"}, resolve) is not None


def test_the_policy_is_read_from_the_environment_and_names_bad_values():
    policy = WebhookPolicy.from_env(
        {"WEBHOOK_RETRY_SCHEDULE": "0,0.5,1", "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1, Localhost,"}
    )
    assert policy.schedule.delays_s == (0, 0.5, 1)
    assert policy.allowed_hosts == {"127.0.0.1", "localhost"}
    assert WebhookPolicy.from_env({}).disable_after == timedelta(days=5)
    with pytest.raises(PolicyError) as refused:
        WebhookPolicy.from_env({"WEBHOOK_RETRY_SCHEDULE": "0,-1", "WEBHOOK_TIMEOUT_S": "soon"})
    assert "WEBHOOK_RETRY_SCHEDULE" in str(refused.value) and "WEBHOOK_TIMEOUT_S" in str(refused.value)
