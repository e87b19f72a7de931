"""Request helpers shared by the public pages: the client's IP and rate limits."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from contacts.services import Evidence


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the address the configured number of trusted proxies saw.

    Only the last TRUSTED_PROXY_COUNT entries of X-Forwarded-For were written by our own
    proxies; anything before them is whatever the client chose to send."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def rate_limit_exceeded(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for (scope, key) in a fixed window; True once more than `limit` hits.

    Counters live in the cache (Redis in production), never in the database."""
    digest = hashlib.sha256(key.lower().encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds)
        hits = 1
    return hits > limit


def request_evidence(request: HttpRequest) -> Evidence:
    """What the consent ledger records about a person acting themselves: their IP and browser."""
    return Evidence(ip_address=client_ip(request) or None, user_agent=request.META.get("HTTP_USER_AGENT", ""))
