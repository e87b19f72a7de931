from __future__ import annotations

import pytest
from django.core.cache import cache

from contacts.models import Purpose, SubscriptionType
from privacy_confirm.webforms.tests.factories import WebFormFactory, WebFormPurposeFactory


@pytest.fixture(autouse=True)
def _empty_rate_limit_counters() -> None:
    # The counters live in the cache, which outlives a test (locmem) or is shared (Redis).
    cache.clear()


@pytest.fixture
def webform(db):  # type: ignore[no-untyped-def]
    """A Norwegian form: Sales and service required, E-marketing optional, the newsletter offered."""
    Purpose.objects.filter(key=Purpose.STORE).update(privacy_statement_url="https://www.example.org/personvern")
    webform = WebFormFactory()
    WebFormPurposeFactory(webform=webform, purpose=Purpose.objects.get(key=Purpose.STORE), required=True, rank=1)
    WebFormPurposeFactory(webform=webform, purpose=Purpose.objects.get(key=Purpose.EMARKETING), rank=2)
    webform.subscription_types.add(SubscriptionType.objects.get(key="NEWSLETTER"))
    return webform
