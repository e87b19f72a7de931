"""Sending: the task claims, links, renders, sends, archives; failures retry or fail.

Tasks run eagerly here; the integration tests run them in real worker processes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from contacts.models import Activity, ConsentSource
from contacts.tests.factories import EmailAddressFactory, PersonFactory, StaffUserFactory
from privacy_confirm.confirmations import services
from privacy_confirm.confirmations.links import personal_link_find
from privacy_confirm.confirmations.models import Confirmation, ConfirmationSettings, EmailTemplate, PersonalLink
from privacy_confirm.confirmations.tests.outbox_support import outbox_template, register, sending_rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.CONFIRMATION_RETRY_BASE_DELAY = 0.01
    settings.CONFIRMATION_RETRY_MAX_DELAY = 0.02
    settings.CONFIRMATION_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Failure reasons are stored in the active language (LANGUAGE_CODE in a worker);
    # the assertions below read the English text.
    with translation.override("en"):
        yield


@pytest.fixture
def rule(db):
    return sending_rule()


def _token_from(body: str) -> str:
    start = body.index("/privacy/") + len("/privacy/")
    return body[start : body.index("/", start)]


def test_registered_person_gets_the_automatic_email_and_its_archive(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = register(email="kari@example.com")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.kind == Confirmation.Kind.AUTOMATIC
    assert confirmation.status == Confirmation.Status.SENT
    assert confirmation.attempts == 1
    assert message.to == ["kari@example.com"]
    assert message.from_email == "privacy@example.org"
    assert message.extra_headers["Message-ID"] == confirmation.message_id
    assert message.subject == "Personvern (nb) for Kari"
    html = message.alternatives[0][0]
    token = _token_from(html)
    assert f"http://testserver/privacy/{token}/" in message.body

    link = personal_link_find(token=token)
    assert link.person == person and link.confirmation == confirmation and link.is_usable()

    activity = confirmation.activity
    activity.refresh_from_db()
    assert activity.status == Activity.Status.SENT
    assert activity.subject == "Personvern (nb) for Kari"
    assert activity.template_name == rule.template.name
    assert activity.template_language == "nb"
    assert activity.sender == "privacy@example.org"
    assert activity.sent_at is not None
    # The archive keeps the email as sent, except the secret token.
    assert token not in activity.body_html and token not in activity.body_text
    assert "[personlig lenke, gyldig til og med" in activity.body_html
    assert "[personlig lenke, gyldig til og med" in activity.body_text
    assert "Hei Kari" in activity.body_html


def test_esp_message_id_is_stored_as_text(rule, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.SENT
    assert confirmation.esp_message_id != ""
    assert isinstance(confirmation.esp_message_id, str)
    confirmation.activity.refresh_from_db()
    assert confirmation.activity.esp_message_id == confirmation.esp_message_id


def test_sender_and_reply_to_come_from_the_settings(rule, django_capture_on_commit_callbacks):
    row = ConfirmationSettings.load()
    row.sender_address = "personvern@fjordfjell.no"
    row.sender_name = "Fjord & Fjell"
    row.save()
    person = PersonFactory()
    EmailAddressFactory(person=person, address="ola@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_request(
            person=person, recipient="ola@example.com", template=rule.template, reply_to="selger@fjordfjell.no"
        )
    message = mail.outbox[0]
    assert message.from_email == "Fjord & Fjell <personvern@fjordfjell.no>"
    assert message.reply_to == ["selger@fjordfjell.no"]


def test_person_without_address_gets_no_confirmation(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = register(email=None)
    assert not Confirmation.objects.filter(person=person).exists()
    assert not person.activities.exists()
    assert mail.outbox == []


def test_source_without_sending_rule_sends_nothing(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = register(source_key=ConsentSource.CHAT)
    assert not Confirmation.objects.filter(person=person).exists()
    assert mail.outbox == []


def test_automatic_sending_off_sends_nothing(rule, django_capture_on_commit_callbacks):
    row = ConfirmationSettings.load()
    row.automatic_sending = False
    row.save()
    with django_capture_on_commit_callbacks(execute=True):
        register()
    assert not Confirmation.objects.exists()


def test_suppressed_registrations_get_no_automatic_email(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with services.automatic_confirmations_suppressed():
            register(first_name="Quiet")
        register(first_name="Loud", email="loud@example.com")
    assert list(Confirmation.objects.values_list("person__first_name", flat=True)) == ["Loud"]


def test_rolled_back_registration_sends_nothing(rule, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        register()
        raise RuntimeError("the form failed after registering")
    assert callbacks == []
    assert not Confirmation.objects.exists()
    assert not Activity.objects.exists()
    assert mail.outbox == []


def test_second_automatic_confirmation_for_a_person_keeps_the_first(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        person = register()
        again = services.confirmation_create_automatic(person=person)
    assert Confirmation.objects.filter(person=person).count() == 1
    assert again == Confirmation.objects.get(person=person)
    assert person.activities.count() == 1


def test_only_the_worker_that_claims_the_row_sends(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert services.confirmation_send(confirmation_id=confirmation.pk).status == Confirmation.Status.SENT
    assert services.confirmation_send(confirmation_id=confirmation.pk).status == "skipped"
    assert len(mail.outbox) == 1
    assert PersonalLink.objects.filter(confirmation=confirmation).count() == 1


def test_a_fresh_sending_claim_is_left_alone_and_a_stale_one_taken_over(
    rule, settings, django_capture_on_commit_callbacks
):
    settings.CONFIRMATION_CLAIM_TIMEOUT = 60
    with django_capture_on_commit_callbacks(execute=False):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    Confirmation.objects.filter(pk=confirmation.pk).update(
        status=Confirmation.Status.SENDING, claimed_at=timezone.now(), attempts=1
    )
    assert services.confirmation_send(confirmation_id=confirmation.pk).status == "skipped"
    Confirmation.objects.filter(pk=confirmation.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert services.confirmation_send(confirmation_id=confirmation.pk).status == Confirmation.Status.SENT
    confirmation.refresh_from_db()
    assert confirmation.attempts == 2
    assert len(mail.outbox) == 1


def test_transient_failure_is_retried_and_sent_once_with_the_same_message_id(
    rule, esp, django_capture_on_commit_callbacks
):
    esp.script(503)
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.SENT
    assert confirmation.attempts == 2
    assert [r.status for r in esp.requests] == [503, 200]
    assert esp.requests[0].header("Message-ID") == esp.requests[1].header("Message-ID") == confirmation.message_id
    assert confirmation.esp_message_id  # Postmark's MessageID from the 200 answer
    # The link of the failed attempt is revoked; only the sent one works.
    links = PersonalLink.objects.filter(confirmation=confirmation).order_by("created_at", "pk")
    assert [link.is_usable() for link in links] == [False, True]
    assert personal_link_find(token=_token_from(esp.messages[0].html)) == links[1]
    confirmation.activity.refresh_from_db()
    assert confirmation.activity.status == Activity.Status.SENT
    assert confirmation.activity.status_reason == ""


def test_permanent_failure_fails_with_a_readable_reason(rule, esp, django_capture_on_commit_callbacks):
    esp.script(422)
    with django_capture_on_commit_callbacks(execute=True):
        person = register(email="nobody@example.com")
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.FAILED
    assert confirmation.attempts == 1
    assert "nobody@example.com" in confirmation.last_error
    assert "Traceback" not in confirmation.last_error
    confirmation.activity.refresh_from_db()
    assert confirmation.activity.status == Activity.Status.FAILED
    assert confirmation.activity.status_reason == confirmation.last_error
    assert esp.messages == []
    assert not any(link.is_usable() for link in PersonalLink.objects.filter(confirmation=confirmation))


def test_other_4xx_is_permanent_and_429_transient(rule, esp, django_capture_on_commit_callbacks):
    esp.script(429, 401)
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert [r.status for r in esp.requests] == [429, 401]
    assert confirmation.status == Confirmation.Status.FAILED
    assert "401" in confirmation.last_error


def test_network_error_is_transient(rule, esp, settings, django_capture_on_commit_callbacks):
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "t", "POSTMARK_API_URL": "http://127.0.0.1:9/"}
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    # Never reachable: retried up to the limit, then failed with the last reason.
    assert confirmation.status == Confirmation.Status.FAILED
    assert confirmation.attempts == 3
    assert "Gave up after 3 attempts" in confirmation.last_error
    assert "reach" in confirmation.last_error


def test_template_without_translation_fails_permanently(django_capture_on_commit_callbacks):
    empty = EmailTemplate.objects.create(key="empty", name="Empty")
    sending_rule(template=empty)
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.FAILED
    assert confirmation.attempts == 1
    assert "translation" in confirmation.last_error


def test_failed_confirmation_can_be_retried(rule, esp, django_capture_on_commit_callbacks):
    esp.script(422)
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        services.confirmation_retry(confirmation=confirmation, requested_by=StaffUserFactory())
    confirmation.refresh_from_db()
    assert confirmation.status == Confirmation.Status.SENT
    assert len(esp.messages) == 1
    confirmation.activity.refresh_from_db()
    assert confirmation.activity.status == Activity.Status.SENT


def test_only_failed_confirmations_can_be_retried(rule, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.confirmation_retry(confirmation=Confirmation.objects.get(person=person))


def test_link_renewal_is_sent_with_a_fresh_link(django_capture_on_commit_callbacks):
    renewal = outbox_template(key="link-renewal-test", languages=("en",))
    person = PersonFactory(language="en")
    EmailAddressFactory(person=person, address="ola@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = services.confirmation_request(
            person=person, recipient="ola@example.com", template=renewal, kind=Confirmation.Kind.LINK_RENEWAL
        )
    confirmation.refresh_from_db()
    assert confirmation.status == Confirmation.Status.SENT
    token = _token_from(mail.outbox[0].body)
    assert personal_link_find(token=token).is_usable()
    confirmation.activity.refresh_from_db()
    assert "[personal link, valid until" in confirmation.activity.body_text


def test_retry_countdown_grows_and_stays_under_the_cap(settings):
    settings.CONFIRMATION_RETRY_BASE_DELAY = 10
    settings.CONFIRMATION_RETRY_MAX_DELAY = 100
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (10, 100)]:
        for _ in range(20):
            countdown = services.retry_countdown(attempt)
            assert ceiling / 2 <= countdown <= ceiling


def test_longest_retry_delay_stays_far_below_the_redis_visibility_timeout():
    from django.conf import settings as django_settings

    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # A countdown beyond it would let Redis hand the unacknowledged retry to a second worker.
    assert visibility >= django_settings.CONFIRMATION_RETRY_MAX_DELAY * 2
    assert services._claim_timeout() < visibility


def test_person_page_shows_the_confirmation_with_its_status_and_archived_email(
    rule, staff_client, settings, django_capture_on_commit_callbacks
):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=False):
        person = register(email="kari@example.com")
    confirmation = Confirmation.objects.get(person=person)
    url = f"/crm/persons/{person.pk}/"
    queued = staff_client.get(url).content.decode()
    # Queued: polled every 2 s until it changes.
    assert f'id="activity-{confirmation.activity_id}"' in queued
    assert 'data-status="queued"' in queued and 'hx-trigger="every 2s"' in queued

    services.confirmation_send(confirmation_id=confirmation.pk)
    sent = staff_client.get(url).content.decode()
    assert 'data-status="sent"' in sent
    assert "personlig lenke, gyldig til og med" in sent  # the archived email, token replaced
    token = _token_from(mail.outbox[0].body)
    assert token not in sent


def test_a_link_from_an_attempt_whose_outcome_is_unknown_stays_usable(
    rule, settings, django_capture_on_commit_callbacks
):
    # The worker died after creating its link (and maybe after the provider accepted the
    # email): the person may hold that email, so taking over the claim must not kill its link.
    settings.CONFIRMATION_CLAIM_TIMEOUT = 60
    with django_capture_on_commit_callbacks(execute=False):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    from privacy_confirm.confirmations.links import personal_link_create

    earlier, _token = personal_link_create(person=person, confirmation=confirmation)
    Confirmation.objects.filter(pk=confirmation.pk).update(
        status=Confirmation.Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=61), attempts=1
    )

    assert services.confirmation_send(confirmation_id=confirmation.pk).status == Confirmation.Status.SENT
    earlier.refresh_from_db()
    assert earlier.is_usable()
    assert PersonalLink.objects.filter(confirmation=confirmation, revoked_at__isnull=True).count() == 2


def test_a_subject_that_carries_the_link_is_archived_without_the_token(django_capture_on_commit_callbacks):
    from privacy_confirm.confirmations.models import EmailTemplateTranslation

    template = outbox_template(key="link-in-subject")
    EmailTemplateTranslation.objects.filter(template=template).update(subject="Your page: {{ link.url }}")
    sending_rule(template=template)
    with django_capture_on_commit_callbacks(execute=True):
        person = register()

    token = _token_from(mail.outbox[0].subject + "/")
    activity = Confirmation.objects.get(person=person).activity
    assert token and token not in activity.subject
    assert "http://testserver/privacy/" not in activity.subject


def test_a_database_outage_while_rendering_is_retried_not_failed(rule, monkeypatch, django_capture_on_commit_callbacks):
    from django.db import OperationalError

    from privacy_confirm.confirmations import rendering

    real_render = rendering.email_render
    calls = {"n": 0}

    def flaky_render(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_render(**kwargs)

    monkeypatch.setattr(rendering, "email_render", flaky_render)
    with django_capture_on_commit_callbacks(execute=True):
        person = register()
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.SENT
    assert confirmation.attempts == 2
