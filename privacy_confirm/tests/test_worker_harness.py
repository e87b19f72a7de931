"""The integration harness itself: a real worker process on the test database via Redis."""

import pytest

from contacts.tests.factories import PersonFactory
from privacy_confirm.celery import health_check

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_real_worker_process_runs_a_task_against_the_test_database(celery_worker_process):
    PersonFactory.create_batch(3)

    result = health_check.delay()

    assert result.get(timeout=30) == {"persons": 3}
    assert celery_worker_process.process.poll() is None
    assert "privacy_confirm.health_check" in celery_worker_process.log()
