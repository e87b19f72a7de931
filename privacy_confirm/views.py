"""Project-level views: the staff login, limited against password guessing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from privacy_confirm.http import client_ip, rate_limit_exceeded

LOGIN_WINDOW_SECONDS = 15 * 60
# An office behind one address may have many people logging in; one account gets fewer tries.
LOGIN_ATTEMPTS_PER_IP = 30
LOGIN_ATTEMPTS_PER_USERNAME = 10


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")[:150]
        too_many_from_ip = rate_limit_exceeded(
            scope="login-ip", key=client_ip(request), limit=LOGIN_ATTEMPTS_PER_IP, window_seconds=LOGIN_WINDOW_SECONDS
        )
        too_many_for_user = rate_limit_exceeded(
            scope="login-username",
            key=username,
            limit=LOGIN_ATTEMPTS_PER_USERNAME,
            window_seconds=LOGIN_WINDOW_SECONDS,
        )
        if too_many_from_ip or too_many_for_user:
            response = render(
                request, "registration/login_limited.html", {"minutes": LOGIN_WINDOW_SECONDS // 60}, status=429
            )
            response["Retry-After"] = str(LOGIN_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)
