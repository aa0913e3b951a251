"""Who sent a request, as the proxies we trust tell it, and nobody else.

The TLS-terminating proxy in front (nginx) appends the address it saw to X-Forwarded-For and
says in X-Forwarded-Proto whether the browser came over https. Anyone who reaches gunicorn
directly can send those headers too, made up: a client writing a new X-Forwarded-For at each
attempt would get fresh sign-in and rate-limit counts every time. So the headers count only
when the request comes from one of settings.TRUSTED_PROXIES (an address or network each);
from anyone else, REMOTE_ADDR is the client and the connection is what it is.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# What only a trusted proxy may tell: the client's address, scheme, host and port.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    # "10.0.0.5" is 10.0.0.5/32; settings.py refused anything else at start-up.
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _address(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    # A server listening on IPv6 sees IPv4 clients as ::ffff:a.b.c.d.
    return getattr(address, "ipv4_mapped", None) or address


def _is_trusted(address: IPAddress | None) -> bool:
    networks = _networks(tuple(settings.TRUSTED_PROXIES))
    return address is not None and any(address in network for network in networks)


def _from_trusted_proxy(request: HttpRequest) -> bool:
    return _is_trusted(_address(request.META.get("REMOTE_ADDR", "")))


def client_ip(request: HttpRequest) -> str:
    """The client's address: django-axes (AXES_CLIENT_IP_CALLABLE) and django-ratelimit
    (RATELIMIT_IP_META_KEY) count sign-in attempts and rate limits by it.

    From a trusted proxy, X-Forwarded-For is read from the right, the end our proxies write,
    past every trusted proxy: the first address that is not one is the client. Entries to its
    left are whatever the client sent, never read. From anyone else, REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    client = _address(remote)
    if not _is_trusted(client):
        return str(client or remote)
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break  # not written by a proxy of ours: the last proxy is all we know
        client = address
        if not _is_trusted(address):
            break
    return str(client)


class TrustedProxyMiddleware:
    """Drops the forwarded headers of a request that did not come from a trusted proxy, before
    anything reads them: Django's SECURE_PROXY_SSL_HEADER would otherwise take a client's own
    "X-Forwarded-Proto: https" over plain HTTP as https (no redirect, secure cookies sent in
    clear), whoever sent it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _from_trusted_proxy(request):
            for header in FORWARDED_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)
