"""Cards and Task-menu entries this app adds to the person page (see contacts.person_page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from contacts.models import Person
from contacts.person_page import register_task


def _send_task_context(request: HttpRequest, person: Person) -> dict[str, Any] | None:
    if not request.user.has_perm("confirmations.send_confirmation"):
        return None
    return {"url": reverse("confirmations:send_confirmation", args=[person.pk])}


register_task("confirmations/_send_task.html", order=10, get_context=_send_task_context)
