"""The webhook channel: one signed POST to a subscriber's URL. Redirects are never followed, the URL is
checked against the SSRF rule before each attempt, and the address actually connected to is checked
again on connect — so a DNS answer that changed between the check and the connection cannot reach an
internal address either."""

from __future__ import annotations

import functools
import ipaddress
import os
import socket
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from services.notifications.domain.webhooks.policy import WebhookPolicy
from services.notifications.domain.webhooks.ssrf import address_refusal, url_refusal

ANSWER_HEADERS = ("webhook-delivery", "content-type", "retry-after")


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt came to: the receiver's status (None when there was no answer), the headers that
    matter to the retry rule, how long it took and what went wrong."""

    status: int | None
    latency_ms: float
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def resolve(host: str, port: int) -> list[str]:
    """Every address the host name resolves to (all are checked, not just the first)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


class RefusedAddress(OSError):
    """The connection reached an address the SSRF rule refuses."""


def _guarded(pool: type, allowed: frozenset[str]) -> type:
    """A connection pool whose connections check their peer address once connected."""

    base = pool.ConnectionCls

    class GuardedConnection(base):  # type: ignore[misc, valid-type]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            if (self.host or "").lower() not in allowed:
                peer = str(sock.getpeername()[0]).split("%")[0]
                reason = address_refusal(ipaddress.ip_address(peer))
                if reason is not None:
                    sock.close()
                    raise RefusedAddress(f"{self.host} connected to {peer} ({reason}); refused")
            return sock

    return type(f"Guarded{pool.__name__}", (pool,), {"ConnectionCls": GuardedConnection})


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _guarded(HTTPConnectionPool, self.allowed),
            "https": _guarded(HTTPSConnectionPool, self.allowed),
        }


class HttpWebhookSender:
    """Posts one attempt; never raises for the receiver's faults (they are the attempt's outcome)."""

    def __init__(self, allowed_hosts: Collection[str] = (), timeout_s: float = 15.0) -> None:
        self.allowed = frozenset(host.lower() for host in allowed_hosts)
        self.timeout_s = timeout_s
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy from the environment between us and the check
        adapter = _GuardedAdapter(self.allowed)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def refusal(self, url: str) -> str | None:
        """Why the URL may not be a webhook target now (None when it may)."""
        return url_refusal(url, self.allowed, resolve)

    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> AttemptResult:
        refused = self.refusal(url)
        if refused is not None:
            return AttemptResult(None, 0.0, f"refused: {refused}")
        started = time.perf_counter()
        try:
            response = self.session.post(
                url,
                data=body,
                headers=dict(headers),
                timeout=self.timeout_s,
                allow_redirects=False,
                stream=True,
            )
        except requests.Timeout:
            return AttemptResult(None, _since(started), f"timed out after {self.timeout_s:g} s")
        except requests.RequestException as error:
            return AttemptResult(None, _since(started), f"{type(error).__name__}: {_first_line(error)}")
        with response:
            answer = {name: response.headers[name] for name in ANSWER_HEADERS if name in response.headers}
            return AttemptResult(response.status_code, _since(started), None, answer)

    def close(self) -> None:
        self.session.close()


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0][:300] if str(error) else ""


class WebhookSender(Protocol):
    """The port the use cases call: the HTTP sender here, a recording fake in unit tests."""

    def refusal(self, url: str) -> str | None: ...

    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> AttemptResult: ...


@dataclass(frozen=True)
class WebhookChannel:
    """What the webhook use cases need from outside: the policy (schedule, overlap, limits) and a sender."""

    policy: WebhookPolicy
    sender: WebhookSender

    @classmethod
    def from_policy(cls, policy: WebhookPolicy) -> WebhookChannel:
        return cls(policy, HttpWebhookSender(policy.allowed_hosts, policy.timeout_s))


@functools.cache
def configured() -> WebhookChannel:
    """The process's webhook channel, its ``WEBHOOK_*`` settings read once at start."""
    return WebhookChannel.from_policy(WebhookPolicy.from_env(os.environ))
