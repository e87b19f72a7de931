"""Celery tasks of the outbox. Thin: the work is in `services`.

Settings that make this safe (privacy_confirm/settings.py): acks_late with
reject_on_worker_lost, so a task whose worker dies is delivered again; and a retry
countdown capped at CONFIRMATION_RETRY_MAX_DELAY, far below the Redis visibility_timeout,
because Redis hands an unacknowledged message to another worker after that timeout and
a longer countdown would run the task twice. The claim in `confirmation_send` makes a
second run harmless anyway."""

from __future__ import annotations

from celery import shared_task

from privacy_confirm.confirmations import services


@shared_task(bind=True, name="confirmations.send", max_retries=None, acks_late=True, reject_on_worker_lost=True)
def confirmation_send_task(self, confirmation_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = services.confirmation_send(confirmation_id=confirmation_id)
    if outcome.retry_in is not None:
        # The attempt limit is counted on the row (attempts), not by Celery.
        raise self.retry(countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="confirmations.sweep", acks_late=True)
def confirmations_sweep_task() -> int:
    return len(services.confirmations_sweep())
