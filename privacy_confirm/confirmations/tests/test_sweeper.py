"""The sweeper re-enqueues confirmations whose queue message was lost or whose worker died."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.confirmations.services import confirmations_sweep
from privacy_confirm.confirmations.tests.outbox_support import register, sending_rule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _timings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CONFIRMATION_LOST_AFTER = 60
    settings.CONFIRMATION_CLAIM_TIMEOUT = 300
    sending_rule()


def _queued(first_name: str, django_capture_on_commit_callbacks) -> Confirmation:
    # The commit's enqueue is dropped, as if the message never reached (or left) Redis.
    with django_capture_on_commit_callbacks(execute=False):
        person = register(first_name=first_name, email=f"{first_name.lower()}@example.com")
    return Confirmation.objects.get(person=person)


def test_pending_confirmation_whose_message_was_lost_is_sent(django_capture_on_commit_callbacks):
    lost = _queued("Lost", django_capture_on_commit_callbacks)
    Confirmation.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=61))
    assert confirmations_sweep() == [lost.pk]
    lost.refresh_from_db()
    assert lost.status == Confirmation.Status.SENT
    assert [m.to for m in mail.outbox] == [["lost@example.com"]]


def test_recent_pending_and_fresh_sending_ones_are_left_alone(django_capture_on_commit_callbacks):
    recent = _queued("Recent", django_capture_on_commit_callbacks)
    busy = _queued("Busy", django_capture_on_commit_callbacks)
    Confirmation.objects.filter(pk=busy.pk).update(
        status=Confirmation.Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=299)
    )
    assert confirmations_sweep() == []
    recent.refresh_from_db()
    assert recent.status == Confirmation.Status.PENDING
    assert mail.outbox == []


def test_sending_confirmation_with_a_stale_claim_is_sent_once(django_capture_on_commit_callbacks):
    dead = _queued("Dead", django_capture_on_commit_callbacks)
    Confirmation.objects.filter(pk=dead.pk).update(
        status=Confirmation.Status.SENDING, claimed_at=timezone.now() - timedelta(seconds=301), attempts=1
    )
    assert confirmations_sweep() == [dead.pk]
    assert confirmations_sweep() == []
    dead.refresh_from_db()
    assert dead.status == Confirmation.Status.SENT
    assert dead.attempts == 2
    assert len(mail.outbox) == 1


def test_sent_and_failed_confirmations_are_not_swept(django_capture_on_commit_callbacks):
    done = _queued("Done", django_capture_on_commit_callbacks)
    failed = _queued("Failed", django_capture_on_commit_callbacks)
    long_ago = timezone.now() - timedelta(days=1)
    Confirmation.objects.filter(pk=done.pk).update(status=Confirmation.Status.SENT, next_attempt_at=long_ago)
    Confirmation.objects.filter(pk=failed.pk).update(status=Confirmation.Status.FAILED, next_attempt_at=long_ago)
    assert confirmations_sweep() == []


def test_sweeper_runs_every_minute_on_celery_beat():
    entry = django_settings.CELERY_BEAT_SCHEDULE["confirmations-sweep"]
    assert entry["task"] == "confirmations.sweep"
    assert entry["schedule"] == 60
