"""One-click unsubscribe links (RFC 8058): signed tokens naming person, category and channel, that expire;
e-mails of optional categories carry them with ``List-Unsubscribe-Post``, mandatory ones do not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from services.notifications.channels.email import compose
from services.notifications.config import DeliveryConfig
from services.notifications.domain.delivery import Delivery
from services.notifications.domain.unsubscribe import UnsubscribeKeys, UnsubscribeLinks
from shared.config import ConfigError
from shared.errors import Unauthorized
from tests.support.smtp import email

SECRET = "s" * 32
NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)


def token_of(header: str) -> str:
    return parse_qs(urlsplit(header.strip("<>")).query)["token"][0]


def test_a_token_names_the_person_category_and_channel_and_expires():
    keys = UnsubscribeKeys(SECRET, timedelta(days=1))
    token = keys.issue("E1", "reminders", "email", datetime.now(UTC))
    claims = keys.read(token)
    assert (claims.recipient, claims.category, claims.channel) == ("E1", "reminders", "email")
    expired = keys.issue("E1", "reminders", "email", datetime.now(UTC) - timedelta(days=2))
    with pytest.raises(Unauthorized, match="expired"):
        keys.read(expired)
    with pytest.raises(Unauthorized):
        UnsubscribeKeys("t" * 32).read(token)  # another secret
    forged = jwt.encode({"sub": "E1", "cat": "reminders", "ch": "email", "aud": "x", "exp": 2**40}, SECRET)
    with pytest.raises(Unauthorized):
        keys.read(forged)


def test_an_optional_category_gets_a_one_click_link_and_a_mandatory_one_the_preferences_page():
    links = UnsubscribeLinks("https://mentoring.example.com", UnsubscribeKeys(SECRET))
    reminder = Delivery(replace(email("evt-1", "E1"), category="reminders"))
    mail = compose(reminder, "n@example.com", links.preferences_url, links)
    assert mail["List-Unsubscribe"].startswith("<https://mentoring.example.com/v1/unsubscribe?token=")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    claims = links.keys.read(token_of(mail["List-Unsubscribe"]))
    assert (claims.recipient, claims.category, claims.channel) == ("E1", "reminders", "email")

    pairing = Delivery(email("evt-2", "E1"))  # the pairing category is mandatory
    mail = compose(pairing, "n@example.com", links.preferences_url, links)
    assert mail["List-Unsubscribe"] == (
        "<https://mentoring.example.com/v1/me/preferences?category=pairing&channel=email>"
    )
    assert mail["List-Unsubscribe-Post"] is None


def test_without_a_secret_no_one_click_link_is_offered_and_a_short_secret_is_refused():
    config = DeliveryConfig.from_env({"PUBLIC_BASE_URL": "https://m.example.com"})
    assert config.unsubscribe_links.one_click("E1", "reminders", NOW) is None
    with pytest.raises(ConfigError, match="UNSUBSCRIBE_SECRET"):
        DeliveryConfig.from_env({"UNSUBSCRIBE_SECRET": "short"})
    configured = DeliveryConfig.from_env({"UNSUBSCRIBE_SECRET": SECRET, "UNSUBSCRIBE_TTL_S": "60"})
    assert configured.unsubscribe_links.keys.ttl == timedelta(seconds=60)
    assert SECRET not in repr(configured)
