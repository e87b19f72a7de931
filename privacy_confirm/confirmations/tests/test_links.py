import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from contacts.tests.factories import PersonFactory
from privacy_confirm.confirmations.links import (
    personal_link_create,
    personal_link_expiry,
    personal_link_find,
    personal_link_url,
    personal_links_revoke,
    token_hash,
)
from privacy_confirm.confirmations.models import ConfirmationSettings, PersonalLink


@pytest.mark.django_db
def test_token_is_never_stored_raw_only_its_sha256():
    person = PersonFactory()
    link, token = personal_link_create(person=person)
    assert len(token) >= 43  # 32 random bytes, url-safe base64: 256 bits
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    # No column of the row holds the token, whole or in part.
    stored = [str(value) for row in PersonalLink.objects.values() for value in row.values()]
    assert not any(token in value or token[:16] in value for value in stored)


@pytest.mark.django_db
def test_two_links_get_different_tokens():
    person = PersonFactory()
    _, first = personal_link_create(person=person)
    _, second = personal_link_create(person=person)
    assert first != second


@pytest.mark.django_db
def test_link_is_found_by_its_token_whatever_its_state():
    person = PersonFactory()
    link, token = personal_link_create(person=person)
    assert personal_link_find(token=token) == link
    assert personal_link_find(token=token + "x") is None
    assert personal_link_find(token="") is None
    assert personal_links_revoke(person=person) == 1
    found = personal_link_find(token=token)
    assert found == link
    assert not found.is_usable()


@pytest.mark.django_db
def test_revoke_touches_only_that_persons_live_links():
    person, other = PersonFactory(), PersonFactory()
    personal_link_create(person=person)
    personal_link_create(person=person)
    _, other_token = personal_link_create(person=other)
    assert personal_links_revoke(person=person) == 2
    assert personal_links_revoke(person=person) == 0
    assert personal_link_find(token=other_token).is_usable()


def test_url_is_absolute_from_site_url(settings):
    settings.SITE_URL = "https://crm.example.org"
    assert personal_link_url("abc") == "https://crm.example.org/privacy/abc/"


def test_token_hash_is_sha256_hex():
    assert token_hash("abc") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.django_db
def test_link_expires_at_the_end_of_the_local_day_after_the_validity_days(settings):
    settings.TIME_ZONE = "Europe/Oslo"
    oslo = ZoneInfo("Europe/Oslo")
    # 23:30 UTC on 14 December is already 15 December in Oslo.
    now = datetime(2026, 12, 14, 23, 30, tzinfo=ZoneInfo("UTC"))
    with timezone.override("Europe/Oslo"):
        expiry = personal_link_expiry(now=now, validity_days=21)
    local = expiry.astimezone(oslo)
    assert (local.year, local.month, local.day) == (2027, 1, 5)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)


@pytest.mark.django_db
def test_link_validity_comes_from_the_confirmation_settings():
    row = ConfirmationSettings.load()
    row.link_validity_days = 2
    row.save()
    link, _ = personal_link_create(person=PersonFactory())
    local_today = timezone.localdate()
    assert (timezone.localtime(link.expires_at).date() - local_today).days == 2
    assert link.is_usable()
