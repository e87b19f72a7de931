"""Hooks into the CRM core's domain signals."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from contacts.models import Person
from contacts.signals import person_registered
from privacy_confirm.confirmations.services import confirmation_create_automatic


@receiver(person_registered, dispatch_uid="confirmations.automatic_confirmation")
def automatic_confirmation_on_registration(sender: type, person: Person, **kwargs: Any) -> None:
    # Runs inside the registering transaction: a rollback takes the confirmation with it,
    # and the task is enqueued only after the commit.
    confirmation_create_automatic(person=person)
