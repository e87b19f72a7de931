"""Expired, revoked or unknown links offer a fresh one by email. The answer is the same
whether or not the address is on file; the email goes through the outbox."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from contacts.models import Activity
from privacy_confirm.confirmations.links import personal_link_find
from privacy_confirm.confirmations.models import Confirmation, PersonalLink
from privacy_confirm.customer_centre import views
from privacy_confirm.customer_centre.tests.conftest import assert_token_not_stored, person_with_records

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
LINK = re.compile(r"http://testserver/privacy/([A-Za-z0-9_-]{40,})/")


@pytest.fixture
def known(db):  # type: ignore[no-untyped-def]
    return person_with_records(first_name="Åse", language="nb")


def _headers(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return sorted((k, v) for k, v in response.headers.items() if k != "Expires")


def _ask(client: Client, address: str, capture) -> object:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return client.post("/privacy/", {"email": address, "lang": "en"})


def test_the_answer_is_the_same_for_known_and_unknown_addresses(known, django_capture_on_commit_callbacks, client):
    on_file = _ask(client, "AASE@fjordogfjell.example.no", django_capture_on_commit_callbacks)
    not_on_file = _ask(client, "nobody@fjordogfjell.example.no", django_capture_on_commit_callbacks)

    assert on_file.status_code == not_on_file.status_code == 200
    assert CSRF_TOKEN.sub("", on_file.content.decode()) == CSRF_TOKEN.sub("", not_on_file.content.decode())
    # Headers too, except Expires, which never_cache sets to "now".
    assert _headers(on_file) == _headers(not_on_file)
    assert "If this address is in our records, we have sent a new link to it." in on_file.content.decode()
    # ...and yet only the known address got an email.
    assert [message.to for message in mail.outbox] == [["aase@fjordogfjell.example.no"]]


def test_a_known_address_gets_a_working_link_through_the_outbox_archived_as_an_activity(
    known, client, django_capture_on_commit_callbacks
):
    _ask(client, "aase@fjordogfjell.example.no", django_capture_on_commit_callbacks)

    confirmation = Confirmation.objects.get(person=known)
    assert confirmation.kind == Confirmation.Kind.LINK_RENEWAL
    assert confirmation.status == Confirmation.Status.SENT
    assert confirmation.template.key == "link-renewal"
    activity = confirmation.activity
    assert activity.kind == Activity.Kind.EMAIL
    assert activity.status == Activity.Status.SENT
    assert activity.recipient == "aase@fjordogfjell.example.no"
    (message,) = mail.outbox
    token = LINK.search(message.body).group(1)
    assert personal_link_find(token=token).person == known
    assert client.get(f"/privacy/{token}/").status_code == 200


def test_an_unknown_address_gets_nothing(db, client, django_capture_on_commit_callbacks):
    _ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert not Confirmation.objects.exists()
    assert not mail.outbox


def test_the_raw_token_is_nowhere_in_the_database(known, client, django_capture_on_commit_callbacks):
    _ask(client, "aase@fjordogfjell.example.no", django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    token = LINK.search(message.body).group(1)
    assert token in message.alternatives[0][0]

    scanned = assert_token_not_stored(token)
    assert scanned > 50
    # What is stored is its hash, and the archived email says where the link was.
    assert PersonalLink.objects.get(person=known).token_hash != token
    assert "[" in Confirmation.objects.get().activity.body_text


def test_an_invalid_address_is_answered_with_the_form_again(db, client):
    response = client.post("/privacy/", {"email": "not an address", "lang": "en"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()


def test_requests_are_limited_per_address(known, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(views, "RENEWAL_LIMIT_PER_ADDRESS", (2, 3600))
    statuses = [
        _ask(Client(REMOTE_ADDR=f"203.0.113.{n}"), "nobody@example.com", django_capture_on_commit_callbacks).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    # Another address from the same place is still answered.
    assert (
        _ask(
            Client(REMOTE_ADDR="203.0.113.2"), "aase@fjordogfjell.example.no", django_capture_on_commit_callbacks
        ).status_code
        == 200
    )


def test_requests_are_limited_per_ip(db, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(views, "RENEWAL_LIMIT_PER_IP", (2, 3600))
    client = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [
        _ask(client, f"someone{n}@example.com", django_capture_on_commit_callbacks).status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert (
        _ask(Client(REMOTE_ADDR="203.0.113.51"), "x@example.com", django_capture_on_commit_callbacks).status_code == 200
    )


def test_the_outbox_limit_on_a_known_address_looks_like_any_other_answer(
    known, client, django_capture_on_commit_callbacks, monkeypatch
):
    from privacy_confirm.confirmations.models import ConfirmationSettings

    settings_row = ConfirmationSettings.load()
    settings_row.per_address_hourly_limit = 1
    settings_row.save()
    first = _ask(Client(REMOTE_ADDR="203.0.113.60"), "aase@fjordogfjell.example.no", django_capture_on_commit_callbacks)
    second = _ask(
        Client(REMOTE_ADDR="203.0.113.61"), "aase@fjordogfjell.example.no", django_capture_on_commit_callbacks
    )

    assert first.status_code == second.status_code == 200
    assert Confirmation.objects.filter(person=known).count() == 1
