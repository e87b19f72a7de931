"""On the real stack (PostgreSQL, Redis, a Celery worker, Anymail's Postmark backend posting
to a scripted server): a submission leads to the automatic confirmation email, and the same
new address sent at once from several requests registers one person."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from contacts.models import Person, Purpose
from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.webforms.models import WebFormSubmission
from privacy_confirm.webforms.tests.factories import WebFormFactory, WebFormPurposeFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def webform(db):  # type: ignore[no-untyped-def]
    webform = WebFormFactory()
    WebFormPurposeFactory(webform=webform, purpose=Purpose.objects.get(key=Purpose.STORE), required=True)
    return webform


def submit(webform, email: str, ip: str = "203.0.113.9") -> int:  # type: ignore[no-untyped-def]
    response = Client().post(
        webform.get_absolute_url(),
        {"email": email, "first_name": "Sigrid", "purposes": [Purpose.objects.get(key=Purpose.STORE).pk]},
        REMOTE_ADDR=ip,
    )
    return response.status_code


def test_submission_from_a_web_form_gets_the_automatic_confirmation_email(webform, celery_worker_process, esp):
    assert submit(webform, "sigrid@example.no") == 302

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not esp.messages:
        time.sleep(0.1)
    assert [m.to for m in esp.messages] == ["sigrid@example.no"]
    confirmation = Confirmation.objects.get()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and confirmation.status != Confirmation.Status.SENT:
        time.sleep(0.1)
        confirmation.refresh_from_db()
    assert confirmation.kind == Confirmation.Kind.AUTOMATIC
    assert confirmation.status == Confirmation.Status.SENT
    assert confirmation.person == Person.objects.get()


def test_the_same_new_address_sent_at_once_registers_one_person(webform):
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def send(index: int) -> None:
        try:
            barrier.wait()
            # Different addresses in different case, from different IPs (no rate limit in the way).
            statuses.append(
                submit(webform, "Samtidig@Example.no" if index % 2 else "samtidig@example.NO", f"10.0.0.{index}")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [302] * 4
    person = Person.objects.get()
    assert person.email_addresses.count() == 1
    assert sorted(WebFormSubmission.objects.values_list("created_person", flat=True)) == [False, False, False, True]
