"""The request as both the API and the pages read it: the process Runtime, the login cookie, the client's address."""

from __future__ import annotations

import ipaddress

from fastapi import Request

from services.runtime import Runtime

SESSION_COOKIE = "gongwen_token"


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def client_address(request: Request) -> str | None:
    """The client's address, for throttling: the peer's, or behind trusted proxies the last address of
    X-Forwarded-For that is not one of them (anything left of it the client could have written itself)."""
    peer = request.client.host if request.client else None
    trusted = runtime_of(request).settings.api.trusted_proxies
    if peer is None or not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [a.strip() for a in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if a.strip()]
    for address in reversed(forwarded):
        if not _is_trusted(address, trusted):
            return address[:150]
    return peer


def _is_trusted(address: str, trusted: list[str]) -> bool:
    for entry in trusted:
        if address == entry:
            return True
        try:
            if ipaddress.ip_address(address) in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
