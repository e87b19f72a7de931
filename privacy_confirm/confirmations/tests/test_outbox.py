"""Queueing confirmations: what confirmation_request and the automatic path create."""

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Activity
from contacts.tests.factories import EmailAddressFactory, PersonFactory, StaffUserFactory
from privacy_confirm.confirmations.models import Confirmation, ConfirmationSettings, EmailTemplate
from privacy_confirm.confirmations.services import ConfirmationRateLimited, confirmation_request


@pytest.fixture
def template(db):
    return EmailTemplate.objects.create(key="outbox-test", name="Outbox test", default_language="en")


@pytest.fixture
def person(db):
    person = PersonFactory()
    EmailAddressFactory(person=person, address="Kari.Nordmann@Example.com")
    return person


@pytest.mark.django_db
def test_request_creates_pending_confirmation_and_queued_activity(person, template, django_capture_on_commit_callbacks):
    user = StaffUserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        confirmation = confirmation_request(
            person=person, recipient="kari.nordmann@example.com", template=template, subject="Hei", requested_by=user
        )
    assert len(callbacks) == 1  # the task is enqueued after the commit, not before
    assert confirmation.status == Confirmation.Status.PENDING
    assert confirmation.kind == Confirmation.Kind.MANUAL
    assert confirmation.recipient == "Kari.Nordmann@Example.com"  # as on record
    activity = confirmation.activity
    assert activity.kind == Activity.Kind.EMAIL
    assert activity.direction == Activity.Direction.OUTGOING
    assert activity.status == Activity.Status.QUEUED
    assert activity.subject == "Hei"
    assert activity.recipient == "Kari.Nordmann@Example.com"
    assert activity.template_name == "Outbox test"
    assert activity.created_by == user


@pytest.mark.django_db
def test_recipient_must_be_one_of_the_persons_addresses(person, template):
    EmailAddressFactory(address="stranger@example.com")
    with pytest.raises(ValidationError) as error:
        confirmation_request(person=person, recipient="stranger@example.com", template=template)
    assert "recipient" in error.value.message_dict
    assert not Confirmation.objects.exists()
    assert not Activity.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("subject", ["Line one\nBcc: x@example.com", "a\rb"])
def test_subject_must_be_one_line(person, template, subject):
    with pytest.raises(ValidationError) as error:
        confirmation_request(person=person, recipient="kari.nordmann@example.com", template=template, subject=subject)
    assert "subject" in error.value.message_dict
    assert not Confirmation.objects.exists()


@pytest.mark.django_db
def test_same_idempotency_key_returns_the_first_confirmation(person, template):
    first = confirmation_request(
        person=person, recipient="kari.nordmann@example.com", template=template, idempotency_key="form-123"
    )
    second = confirmation_request(
        person=person, recipient="kari.nordmann@example.com", template=template, idempotency_key="form-123"
    )
    assert first.pk == second.pk
    assert Confirmation.objects.count() == 1
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_different_idempotency_keys_make_two_confirmations(person, template):
    confirmation_request(person=person, recipient="kari.nordmann@example.com", template=template, idempotency_key="a")
    confirmation_request(person=person, recipient="kari.nordmann@example.com", template=template, idempotency_key="b")
    assert Confirmation.objects.count() == 2


@pytest.mark.django_db
def test_per_address_hourly_limit_stops_manual_sends(person, template):
    row = ConfirmationSettings.load()
    row.per_address_hourly_limit = 2
    row.save()
    for _ in range(2):
        confirmation_request(person=person, recipient="kari.nordmann@example.com", template=template)
    with pytest.raises(ConfirmationRateLimited, match=r"Kari\.Nordmann@Example\.com"):
        confirmation_request(person=person, recipient="KARI.NORDMANN@example.com", template=template)
    with pytest.raises(ConfirmationRateLimited):
        confirmation_request(
            person=person,
            recipient="kari.nordmann@example.com",
            template=template,
            kind=Confirmation.Kind.LINK_RENEWAL,
        )
    assert Confirmation.objects.count() == 2


@pytest.mark.django_db
def test_per_address_limit_counts_one_address_only(person, template):
    EmailAddressFactory(person=person, address="work@example.com", rank=1)
    row = ConfirmationSettings.load()
    row.per_address_hourly_limit = 1
    row.save()
    confirmation_request(person=person, recipient="kari.nordmann@example.com", template=template)
    confirmation_request(person=person, recipient="work@example.com", template=template)
    assert Confirmation.objects.count() == 2


@pytest.mark.django_db
def test_logged_in_user_sender_mode_sets_reply_to_on_manual_sends(person, template):
    template.sender_mode = EmailTemplate.SenderMode.LOGGED_IN_USER
    template.save()
    user = StaffUserFactory(email="ola@example.org")
    confirmation = confirmation_request(
        person=person, recipient="kari.nordmann@example.com", template=template, requested_by=user
    )
    assert confirmation.reply_to == "ola@example.org"


def test_suppressing_automatic_confirmations_is_local_to_the_thread():
    import threading

    from privacy_confirm.confirmations import services

    seen = {}
    with services.automatic_confirmations_suppressed():
        thread = threading.Thread(target=lambda: seen.update(other=services._automatic_suppressed.get()))
        thread.start()
        thread.join()
        seen["this"] = services._automatic_suppressed.get()
    # An import with --no-send in one thread must not silence web requests in others.
    assert seen == {"this": True, "other": False}
    assert services._automatic_suppressed.get() is False


@pytest.mark.django_db
def test_idempotency_key_race_returns_the_winner(person, template, monkeypatch):
    from privacy_confirm.confirmations import services

    winner = {}

    def another_request_commits_first(*, recipient):
        # Between our lookup and our insert, a concurrent request with the same key wins.
        monkeypatch.setattr(services, "_per_address_limit_reached", lambda **kwargs: False)
        winner["c"] = confirmation_request(
            person=person, recipient=recipient, template=template, idempotency_key="double-click"
        )
        return False

    monkeypatch.setattr(services, "_per_address_limit_reached", another_request_commits_first)
    result = confirmation_request(
        person=person, recipient="kari.nordmann@example.com", template=template, idempotency_key="double-click"
    )
    assert result.pk == winner["c"].pk
    assert Confirmation.objects.count() == 1
    assert Activity.objects.count() == 1


@pytest.mark.django_db
def test_an_idempotency_key_used_for_one_person_is_refused_for_another(person, template):
    other = PersonFactory(first_name="Ola")
    EmailAddressFactory(person=other, address="ola@example.com")
    confirmation_request(person=person, recipient="kari.nordmann@example.com", template=template, idempotency_key="k-1")

    with pytest.raises(ValidationError):
        confirmation_request(person=other, recipient="ola@example.com", template=template, idempotency_key="k-1")

    assert not other.confirmations.exists()
