"""Personal links to the customer centre.

The raw token exists only in the email and in the person's hands: the database keeps its
SHA-256, so a leaked database (or backup) opens nobody's page."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contacts.models import Person
from privacy_confirm.confirmations.models import Confirmation, ConfirmationSettings, PersonalLink

# 32 random bytes = 256 bits, well above the 128 bits a guessable-link attack would need.
TOKEN_BYTES = 32


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def personal_link_expiry(*, now: datetime | None = None, validity_days: int | None = None) -> datetime:
    """The end of the local day (settings.TIME_ZONE) `validity_days` from now: a link that
    says "valid until 5 January" works all of 5 January where the person lives."""
    if validity_days is None:
        validity_days = ConfirmationSettings.load().link_validity_days
    local_now = timezone.localtime(now or timezone.now())
    last_day = local_now.date() + timedelta(days=validity_days)
    return timezone.make_aware(datetime.combine(last_day, time.max), timezone.get_current_timezone())


@transaction.atomic
def personal_link_create(*, person: Person, confirmation: Confirmation | None = None) -> tuple[PersonalLink, str]:
    """A new link for `person`; returns the row and the raw token (shown once, never stored)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PersonalLink.objects.create(
        person=person,
        confirmation=confirmation,
        token_hash=token_hash(token),
        expires_at=personal_link_expiry(),
    )
    return link, token


def personal_link_url(token: str) -> str:
    # A task has no request to build an absolute URL from, hence SITE_URL.
    return f"{settings.SITE_URL}/privacy/{token}/"


def personal_link_find(*, token: str) -> PersonalLink | None:
    """The link for `token` whatever its state (expired, revoked); callers check `is_usable()`."""
    if not token:
        return None
    return PersonalLink.objects.select_related("person").filter(token_hash=token_hash(token)).first()


@transaction.atomic
def personal_links_revoke(*, person: Person) -> int:
    """Revoke every live link of the person; returns how many were revoked."""
    return PersonalLink.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=timezone.now())
