"""The "Personal links" card on the person page (see contacts.person_page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from contacts.models import Person
from contacts.person_page import register_card
from privacy_confirm.customer_centre import selectors


def personal_links_card(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {
        "active_count": selectors.person_links_active_count(person=person),
        "can_revoke": request.user.has_perm("contacts.change_person"),
    }


register_card("customer_centre/_personal_links_card.html", order=300, get_context=personal_links_card)
