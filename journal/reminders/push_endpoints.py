"""Which push endpoints the server will post to (issue: push endpoints as SSRF).

A subscription's endpoint comes from a browser, so from anyone with an account; the
server later connects to it from inside the hosting network. Only the push services
that browsers really use are accepted (`PUSH_SERVICE_HOSTS`, host suffixes at a dot
boundary), never an IP literal, never a name that resolves to a loopback, private,
link-local or otherwise non-public address. The check runs when a browser subscribes
and again right before each send, and the send connects to the very address that
was checked (so a name cannot be re-pointed between the check and the connection).

`PUSH_TEST_HOSTS` names exact hosts a test's local stand-in push service listens on;
it is ignored in production.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask import current_app

MAX_LENGTH = 2048


class EndpointRefused(ValueError):
    """Not an endpoint of a push service browsers use; the message says why."""


def _suffixes() -> tuple[str, ...]:
    return tuple(s.strip(".").lower() for s in current_app.config["PUSH_SERVICE_HOSTS"] if s)


def _test_hosts() -> frozenset[str]:
    if current_app.config.get("JOURNAL_ENV") == "production":
        return frozenset()
    return frozenset(h.lower() for h in current_app.config.get("PUSH_TEST_HOSTS", ()))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def allowed_host(host: str) -> bool:
    return any(host == suffix or host.endswith("." + suffix) for suffix in _suffixes())


def check(endpoint: str) -> tuple[str, int, bool]:
    """(host, port, is_test_host) of an acceptable endpoint, or EndpointRefused.
    This needs no network: the address check is `public_addresses`."""
    if len(endpoint) > MAX_LENGTH:
        raise EndpointRefused("the endpoint is too long")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in endpoint) or "\\" in endpoint:
        raise EndpointRefused("the endpoint is not a plain URL")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        raise EndpointRefused("the endpoint is not a URL") from exc
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise EndpointRefused("the endpoint has no host")
    if parts.username is not None or parts.password is not None:
        raise EndpointRefused("the endpoint must not carry a user name")
    if host in _test_hosts():
        schemes = ("https", "http") if current_app.config["PUSH_ALLOW_HTTP_ENDPOINTS"] else ()
        if parts.scheme not in (*schemes, "https"):
            raise EndpointRefused("the endpoint must be an https URL")
        return host, port or (443 if parts.scheme == "https" else 80), True
    if parts.scheme != "https":
        raise EndpointRefused("the endpoint must be an https URL")
    if port not in (None, 443):
        raise EndpointRefused("push services listen on the standard https port")
    if _is_ip_literal(host) or host.replace(".", "").isdigit() or host.startswith("0x"):
        raise EndpointRefused("the endpoint must name a push service, not an address")
    if not allowed_host(host):
        raise EndpointRefused("the endpoint is not a push service this app sends to")
    return host, 443, False


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address the name has (empty when it does not resolve). A test may put a
    stand-in name service in `PUSH_RESOLVER` (never in production)."""
    if _is_ip_literal(host):  # only a test host gets this far as a literal
        return [host]
    stand_in = current_app.config.get("PUSH_RESOLVER")
    if stand_in is not None and current_app.config.get("JOURNAL_ENV") != "production":
        return list(stand_in(host, port))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def public_addresses(host: str, port: int, test_host: bool, addresses: Iterable[str]) -> list[str]:
    """The addresses if every one is public (a name with one private address among
    public ones is refused whole); EndpointRefused otherwise."""
    found = list(addresses)
    if test_host:
        return found
    if any(not _public(address) for address in found):
        raise EndpointRefused("the push service's name points to a non-public address")
    return found


def check_subscription(endpoint: str) -> None:
    """At subscribe time: the static rules, then the addresses the name has now. A
    name that does not resolve yet is kept: nothing is sent to it unless, at send
    time, it resolves to public addresses only."""
    host, port, test_host = check(endpoint)
    public_addresses(host, port, test_host, resolve(host, port))
