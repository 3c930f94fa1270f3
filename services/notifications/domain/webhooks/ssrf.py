"""Which URLs a webhook may target: http(s) only, and never a host that resolves to an internal address
(loopback, link-local, private, unspecified, multicast, reserved) unless the allow-list names the host.

Checked when an endpoint is saved and again before every attempt (DNS answers change); the resolver is
passed in so the rule stays pure and testable.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = {"http": 80, "https": 443}


def address_refusal(address: IPAddress) -> str | None:
    """Why an address is not a public one a webhook may reach, or None when it is."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return address_refusal(mapped)
    for reason, test in (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
    ):
        if test:
            return reason
    if not address.is_global:  # shared address space (100.64/10), documentation ranges, ...
        return "not globally routable"
    return None


def url_refusal(url: str, allowed_hosts: Collection[str], resolve: Resolver) -> str | None:
    """Why ``url`` may not be a webhook target, or None when it may; the allow-list (host names or
    literal addresses, case-insensitive) skips the address check for the hosts it names."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return f"not a valid URL: {error}"
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return "only http and https URLs are allowed"
    host = (parts.hostname or "").lower()
    if not host:
        return "the URL has no host"
    if host in {name.lower() for name in allowed_hosts}:
        return None
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = [
                ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port or SCHEMES[scheme])
            ]
        except OSError as error:
            return f"host {host} does not resolve: {error}"
    if not addresses:
        return f"host {host} does not resolve"
    for address in addresses:
        reason = address_refusal(address)
        if reason is not None:
            return f"host {host} resolves to {address} ({reason}); only public addresses are allowed"
    return None
