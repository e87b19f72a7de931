"""Extension points of the person page.

The privacy apps register cards and Task-menu entries here, so the person page can show
them while `contacts` imports none of those apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from contacts.models import Person

ContextFunction = Callable[[HttpRequest, Person], dict[str, Any] | None]


@dataclass(frozen=True)
class PersonPageItem:
    template_name: str
    order: int = 100
    # Returns the card's context, or None to hide the item for this request.
    get_context: ContextFunction = field(default=lambda request, person: {})


_cards: list[PersonPageItem] = []
_tasks: list[PersonPageItem] = []


def register_card(template_name: str, *, order: int = 100, get_context: ContextFunction | None = None) -> None:
    _register(_cards, PersonPageItem(template_name, order, get_context or (lambda request, person: {})))


def register_task(template_name: str, *, order: int = 100, get_context: ContextFunction | None = None) -> None:
    _register(_tasks, PersonPageItem(template_name, order, get_context or (lambda request, person: {})))


def _register(items: list[PersonPageItem], item: PersonPageItem) -> None:
    if all(existing.template_name != item.template_name for existing in items):
        items.append(item)
        items.sort(key=lambda i: i.order)


def _render(items: list[PersonPageItem], request: HttpRequest, person: Person) -> list[tuple[str, dict[str, Any]]]:
    rendered = []
    for item in items:
        context = item.get_context(request, person)
        if context is not None:
            rendered.append((item.template_name, context))
    return rendered


def person_page_cards(request: HttpRequest, person: Person) -> list[tuple[str, dict[str, Any]]]:
    return _render(_cards, request, person)


def person_page_tasks(request: HttpRequest, person: Person) -> list[tuple[str, dict[str, Any]]]:
    return _render(_tasks, request, person)
