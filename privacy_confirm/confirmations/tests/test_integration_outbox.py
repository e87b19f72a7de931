"""The outbox end to end: PostgreSQL, Redis, real Celery worker processes (with beat for
the sweeper) and the real Anymail Postmark backend posting to a scripted server.

Timings are shortened through the workers' environment so each test takes seconds."""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contacts.models import Activity
from privacy_confirm.celery import app as celery_app
from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.confirmations.selectors import persons_never_informed
from privacy_confirm.confirmations.tests.outbox_support import register, sending_rule

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAST = {
    "CONFIRMATION_RETRY_BASE_DELAY": "0.5",
    "CONFIRMATION_RETRY_MAX_DELAY": "1",
    "CONFIRMATION_MAX_ATTEMPTS": "4",
    "CONFIRMATION_CLAIM_TIMEOUT": "3",
    "CONFIRMATION_LOST_AFTER": "1",
    "CONFIRMATION_SWEEP_INTERVAL": "1",
}


@pytest.fixture
def worker(start_worker):  # type: ignore[no-untyped-def]
    """Start a worker (with beat running the sweeper every second) on fast timings."""

    def start(**kwargs):  # type: ignore[no-untyped-def]
        schedule = Path(tempfile.mkdtemp(prefix="beat-")) / "schedule"
        env = {**FAST, "CELERY_BEAT_SCHEDULE_FILENAME": str(schedule), **kwargs.pop("env", {})}
        return start_worker(env=env, beat=True, **kwargs)

    return start


@pytest.fixture(autouse=True)
def _rule(db):  # type: ignore[no-untyped-def]
    sending_rule()


def wait_until(condition: Callable[[], bool], *, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def statuses() -> Counter:
    return Counter(Confirmation.objects.values_list("status", flat=True))


def test_200_persons_registered_from_4_threads_get_exactly_one_email_each(worker, esp):
    worker(concurrency=4)
    errors: list[BaseException] = []

    def register_many(thread: int) -> None:
        try:
            for n in range(50):
                register(first_name=f"T{thread}P{n}", email=f"t{thread}p{n}@example.com")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=register_many, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    wait_until(lambda: statuses()[Confirmation.Status.SENT] == 200, timeout=120, what="200 sent")
    assert Confirmation.objects.count() == 200
    assert Activity.objects.filter(kind=Activity.Kind.EMAIL, status=Activity.Status.SENT).count() == 200
    time.sleep(1)  # anything extra would arrive now
    recipients = Counter(message.to for message in esp.messages)
    message_ids = Counter(message.header("Message-ID") for message in esp.messages)
    assert len(esp.messages) == 200
    assert max(recipients.values()) == 1 and len(recipients) == 200
    assert max(message_ids.values()) == 1
    assert set(message_ids) == set(Confirmation.objects.values_list("message_id", flat=True))


def test_rolled_back_registration_sends_nothing(worker, esp):
    worker()
    with pytest.raises(RuntimeError), transaction.atomic():
        register(first_name="Ghost", email="ghost@example.com")
        raise RuntimeError("rolled back")
    register(first_name="Real", email="real@example.com")
    wait_until(lambda: len(esp.messages) == 1, what="the committed person's email")
    time.sleep(1)
    assert [m.to for m in esp.messages] == ["real@example.com"]
    assert Confirmation.objects.count() == 1
    assert not Activity.objects.filter(recipient="ghost@example.com").exists()


def test_person_without_address_is_registered_and_listed_as_never_informed(worker, esp):
    worker()
    nobody = register(first_name="Noaddress", email=None)
    somebody = register(first_name="Withaddress", email="with@example.com")
    wait_until(lambda: len(esp.messages) == 1, what="the email to the person with an address")
    assert not Confirmation.objects.filter(person=nobody).exists()
    never = list(persons_never_informed())
    assert never == [nobody]
    assert never[0].has_address is False
    assert somebody not in never


def test_transient_failure_is_retried_and_sent_once(worker, esp):
    esp.script(503)
    worker()
    person = register(email="retry@example.com")
    confirmation = Confirmation.objects.get(person=person)
    wait_until(
        lambda: Confirmation.objects.get(pk=confirmation.pk).status == Confirmation.Status.SENT,
        what="the retried send",
    )
    confirmation.refresh_from_db()
    assert confirmation.attempts == 2
    assert [r.status for r in esp.requests] == [503, 200]
    assert len(esp.messages) == 1
    assert {r.header("Message-ID") for r in esp.requests} == {confirmation.message_id}
    activity = Activity.objects.get(pk=confirmation.activity_id)
    assert activity.status == Activity.Status.SENT
    assert activity.esp_message_id == confirmation.esp_message_id != ""


def test_permanent_failure_is_failed_with_its_reason(worker, esp):
    esp.script(422)
    worker()
    person = register(email="bad-address@example.com")
    confirmation = Confirmation.objects.get(person=person)
    wait_until(
        lambda: Confirmation.objects.get(pk=confirmation.pk).status == Confirmation.Status.FAILED,
        what="the failure",
    )
    confirmation.refresh_from_db()
    assert confirmation.attempts == 1
    assert "bad-address@example.com" in confirmation.last_error
    activity = Activity.objects.get(pk=confirmation.activity_id)
    assert activity.status == Activity.Status.FAILED
    assert activity.status_reason == confirmation.last_error
    time.sleep(1.5)  # not retried, not swept
    assert [r.status for r in esp.requests] == [422]


def test_message_deleted_from_the_queue_is_recovered_by_the_sweeper(worker, esp):
    celery_app.control.purge()
    person = register(email="lost@example.com")  # committed; its task message is now in Redis
    assert celery_app.control.purge() == 1  # ... and gone
    confirmation = Confirmation.objects.get(person=person)
    assert confirmation.status == Confirmation.Status.PENDING
    worker()
    wait_until(
        lambda: Confirmation.objects.get(pk=confirmation.pk).status == Confirmation.Status.SENT,
        what="the sweeper to recover the lost message",
    )
    time.sleep(1.5)
    assert [m.to for m in esp.messages] == ["lost@example.com"]


def test_confirmation_whose_worker_died_while_claiming_it_is_sent_once_after_the_claim_times_out(worker, esp):
    celery_app.control.purge()
    person = register(email="orphan@example.com")
    celery_app.control.purge()
    # A worker claimed it and died: the row stays `sending` and Redis has no message.
    claimed_at = timezone.now()
    Confirmation.objects.filter(person=person).update(
        status=Confirmation.Status.SENDING, claimed_at=claimed_at, attempts=1
    )
    worker()
    confirmation = Confirmation.objects.get(person=person)
    wait_until(
        lambda: Confirmation.objects.get(pk=confirmation.pk).status == Confirmation.Status.SENT,
        what="the stale claim to be taken over",
    )
    confirmation.refresh_from_db()
    # Not before the claim timed out (3 s in FAST), and only once.
    assert confirmation.sent_at - claimed_at >= timedelta(seconds=3)
    assert confirmation.attempts == 2
    time.sleep(1.5)
    assert [m.to for m in esp.messages] == ["orphan@example.com"]


def test_worker_killed_mid_task_leaves_a_confirmation_that_is_still_sent_once(worker, esp):
    """A real SIGKILL: the first worker dies with the message unacknowledged (acks_late);
    a second worker gets it again or the sweeper re-enqueues it, and the claim lets only
    one send go out."""
    celery_app.control.purge()
    first = worker()
    # 503s keep the first worker busy retrying while we kill it.
    esp.script(503)
    person = register(email="killed@example.com")
    confirmation = Confirmation.objects.get(person=person)
    wait_until(lambda: len(esp.requests) >= 1, what="the first attempt")
    first.kill()
    worker()
    wait_until(
        lambda: Confirmation.objects.get(pk=confirmation.pk).status == Confirmation.Status.SENT,
        timeout=40,
        what="the send after the worker died",
    )
    time.sleep(1.5)
    assert [m.to for m in esp.messages] == ["killed@example.com"]
