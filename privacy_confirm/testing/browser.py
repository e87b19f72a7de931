"""Helpers for browser tests."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def browser_log_in(page: Any, client: Any, live_server: Any, user: Any) -> None:
    """Log `user` in through the test client and hand its session cookie to the browser page."""
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
