"""State changes of the CRM core. Views, admin, commands and other apps call these.

A consent change (consent_set, emarketing_switch, consents_bulk_update) writes, in one
transaction: the Consent row for (person, purpose), created or updated in place, never
deleted (withdrawal is legal basis WITHDRAWN); and one new ConsentEvent with the basis
before and after, actor, time, source, comment and, when the person acted, the evidence.
`_consent_change` is the one place that decides those values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from contacts.models import (
    Activity,
    Company,
    Consent,
    ConsentEvent,
    ConsentSource,
    EmailAddress,
    LegalBasis,
    OrganisationSettings,
    Person,
    Purpose,
    Subscription,
    SubscriptionType,
)
from contacts.signals import person_registered

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@dataclass(frozen=True)
class EmailAddressData:
    address: str
    description: str = ""


@dataclass(frozen=True)
class Evidence:
    """What we record about a person acting themselves (web form, customer centre)."""

    ip_address: str | None = None
    user_agent: str = ""


@dataclass(frozen=True)
class ConsentGrant:
    """A consent given while registering (a web form's checkbox, say)."""

    purpose: Purpose
    legal_basis_key: str = LegalBasis.CONSENT
    approval_text: str = ""
    privacy_statement_url: str = ""
    comment: str = ""


PERSON_FIELDS = ("first_name", "last_name", "title", "company", "phone", "language")


def stored_text(message: str) -> str:
    """A text the system writes into the records (a ledger comment, say): stored once, in
    the site's language, whatever language the request that caused it was in."""
    with override(settings.LANGUAGE_CODE):
        return gettext(message)


def email_address_normalise(address: str) -> str:
    """Strip and validate; raises ValidationError with a readable message."""
    address = (address or "").strip()
    validate_email(address)
    return address


@transaction.atomic
def person_register(
    *,
    first_name: str,
    last_name: str = "",
    title: str = "",
    company: Company | None = None,
    phone: str = "",
    language: str = "",
    email_addresses: list[EmailAddressData] | None = None,
    source_key: str = ConsentSource.CREATED_BY_USER,
    registered_by: AbstractBaseUser | None = None,
    consents: list[ConsentGrant] | None = None,
    subscription_type_keys: list[str] | None = None,
    evidence: Evidence | None = None,
) -> Person:
    """Register a new person with their addresses, consents and subscriptions: the one way
    persons enter the CRM.

    Everything happens in one transaction, which ends by announcing `person_registered`
    (the privacy apps queue the confirmation email from it). `evidence` is recorded on the
    ledger entries when the person registers themselves (registered_by is None)."""
    source = ConsentSource.objects.get(key=source_key)
    person = Person.objects.create(
        first_name=first_name,
        last_name=last_name,
        title=title,
        company=company,
        phone=phone,
        language=language,
        source=source,
        registered_by=registered_by,
        updated_by=registered_by,
    )
    for rank, data in enumerate(email_addresses or []):
        EmailAddress.objects.create(
            person=person,
            address=email_address_normalise(data.address),
            rank=rank,
            description=data.description,
        )
    actor_type = ConsentEvent.Actor.USER if registered_by is not None else ConsentEvent.Actor.PERSON
    evidence = evidence or Evidence()
    for grant in consents or []:
        consent_set(
            person=person,
            purpose=grant.purpose,
            legal_basis=LegalBasis.objects.get(key=grant.legal_basis_key),
            source=source,
            comment=grant.comment,
            actor_type=actor_type,
            actor_user=registered_by,
            ip_address=evidence.ip_address,
            user_agent=evidence.user_agent,
            approval_text=grant.approval_text,
            privacy_statement_url=grant.privacy_statement_url,
        )
    for key in subscription_type_keys or []:
        subscription_set(
            person=person,
            subscription_type=SubscriptionType.objects.get(key=key),
            subscribed=True,
            source=source,
            actor_type=actor_type,
            actor_user=registered_by,
            evidence=evidence,
        )
    person_registration_complete(person=person, registered_by=registered_by)
    return person


@transaction.atomic
def person_registration_complete(*, person: Person, registered_by: AbstractBaseUser | None = None) -> None:
    """The tail of every registration, for paths that save the person themselves first
    (Django admin saves inlines after the person): default consent, then the signal."""
    organisation = OrganisationSettings.load()
    if organisation.default_store_legal_basis_id:
        store = Purpose.objects.filter(key=Purpose.STORE).first()
        if store is not None and not Consent.objects.filter(person=person, purpose=store).exists():
            consent_set(
                person=person,
                purpose=store,
                legal_basis=organisation.default_store_legal_basis,
                source=person.source,
                comment=stored_text(gettext_noop("Default legal basis for new persons")),
                actor_type=ConsentEvent.Actor.SYSTEM if registered_by is None else ConsentEvent.Actor.USER,
                actor_user=registered_by,
            )
    person_registered.send(sender=Person, person=person, registered_by=registered_by)


@transaction.atomic
def person_update(*, person: Person, updated_by: AbstractBaseUser | None = None, **fields: object) -> Person:
    for name, value in fields.items():
        if name not in PERSON_FIELDS:
            raise ValueError(f"Unknown person field: {name}")
        setattr(person, name, value)
    person.updated_by = updated_by
    person.full_clean(exclude=["source", "registered_by", "updated_by"])
    person.save()
    return person


@transaction.atomic
def email_address_add(*, person: Person, address: str, description: str = "") -> EmailAddress:
    address = email_address_normalise(address)
    existing = person.email_addresses.filter(address__iexact=address).first()
    if existing is not None:
        return existing
    last = person.email_addresses.order_by("-rank").first()
    return EmailAddress.objects.create(
        person=person,
        address=address,
        rank=(last.rank + 1) if last else 0,
        description=description,
    )


@transaction.atomic
def consent_set(
    *,
    person: Person,
    purpose: Purpose,
    legal_basis: LegalBasis,
    source: ConsentSource | None = None,
    comment: str = "",
    actor_type: str = ConsentEvent.Actor.SYSTEM,
    actor_user: AbstractBaseUser | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    approval_text: str = "",
    privacy_statement_url: str = "",
) -> Consent:
    """Set the legal basis of one purpose for one person and write the ledger entry.

    The row is locked so two concurrent changes are both recorded in order."""
    now = timezone.now()
    consent = Consent.objects.select_for_update().filter(person=person, purpose=purpose).first()
    consent, event = _consent_change(
        consent,
        person_id=person.pk,
        purpose=purpose,
        legal_basis=legal_basis,
        source=source,
        comment=comment,
        actor_type=actor_type,
        actor_user=actor_user,
        now=now,
        ip_address=ip_address,
        user_agent=user_agent,
        approval_text=approval_text,
        privacy_statement_url=privacy_statement_url,
    )
    # Keep the caller's instance on the rows, so reading consent.person costs no query.
    consent.person = event.person = person
    consent.save()
    event.save()
    return consent


def _consent_change(
    consent: Consent | None,
    *,
    person_id: int,
    purpose: Purpose,
    legal_basis: LegalBasis,
    source: ConsentSource | None,
    comment: str,
    actor_type: str,
    actor_user: AbstractBaseUser | None,
    now: datetime,
    ip_address: str | None = None,
    user_agent: str = "",
    approval_text: str = "",
    privacy_statement_url: str = "",
) -> tuple[Consent, ConsentEvent]:
    """The consent row as it becomes and its ledger entry, both unsaved: the one place that
    decides what a consent change writes, shared by `consent_set` (one row) and
    `consents_bulk_update` (bulk_create / bulk_update per batch)."""
    before_id = consent.legal_basis_id if consent is not None else None
    if consent is None:
        consent = Consent(person_id=person_id, purpose=purpose, created_at=now, created_by=actor_user)
    consent.legal_basis = legal_basis
    consent.source = source
    consent.comment = comment
    consent.updated_at = now
    consent.updated_by = actor_user
    event = ConsentEvent(
        person_id=person_id,
        purpose=purpose,
        legal_basis_before_id=before_id,
        legal_basis_after=legal_basis,
        source=source,
        comment=comment,
        actor_type=actor_type,
        actor_user=actor_user,
        created_at=now,
        ip_address=ip_address,
        user_agent=user_agent[:1000],
        approval_text=approval_text,
        privacy_statement_url=privacy_statement_url,
    )
    return consent, event


class ConsentChangeRefused(Exception):  # noqa: N818 - reads as what happened
    """A change the rules do not allow here. The message is an untranslated msgid; the view
    shows it in the user's language."""


def emarketing_switch(
    *,
    person: Person,
    enabled: bool,
    actor_user: AbstractBaseUser | None,
    comment: str = "",
) -> Consent | None:
    """Switch E-marketing on (Legitimate interest) or off (Withdrawn) from the person page.

    This is what staff without `contacts.change_consent` may do. Switching on a purpose
    that is already given (by Consent, say) keeps that stronger basis, and switching to the
    state it already has writes nothing. Returns None when the purpose is inactive."""
    purpose = Purpose.objects.filter(key=Purpose.EMARKETING, active=True).first()
    if purpose is None:
        return None
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update()
            .select_related("legal_basis")
            .filter(person=person, purpose=purpose)
            .first()
        )
        if current is not None and current.is_given == enabled:
            return current
        if enabled and current is not None and _withdrawn_by_the_person(person=person, purpose=purpose):
            # An objection to direct marketing is absolute (GDPR Art. 21(3)): a quick switch
            # must not turn it back into "legitimate interest". Only the person can undo it.
            raise ConsentChangeRefused(
                gettext_noop("The person said no to e-marketing themselves; only they can turn it on again.")
            )
        key = LegalBasis.LEGITIMATE_INTEREST if enabled else LegalBasis.WITHDRAWN
        return consent_set(
            person=person,
            purpose=purpose,
            legal_basis=LegalBasis.objects.get(key=key),
            source=ConsentSource.objects.get(key=ConsentSource.CREATED_BY_USER),
            comment=comment,
            actor_type=ConsentEvent.Actor.USER,
            actor_user=actor_user,
        )


def _withdrawn_by_the_person(*, person: Person, purpose: Purpose) -> bool:
    latest = (
        ConsentEvent.objects.filter(person=person, purpose=purpose)
        .select_related("legal_basis_after")
        .order_by("-created_at", "-id")
        .first()
    )
    return (
        latest is not None and latest.actor_type == ConsentEvent.Actor.PERSON and latest.legal_basis_after.is_withdrawn
    )


@dataclass(frozen=True)
class BulkUpdateResult:
    changed: int
    unchanged: int
    batches: int


BULK_BATCH_SIZE = 500


def consents_bulk_update(
    *,
    persons: QuerySet[Person] | Iterable[int],
    purpose: Purpose,
    legal_basis: LegalBasis,
    source: ConsentSource | None = None,
    comment: str = "",
    actor_user: AbstractBaseUser | None = None,
    batch_size: int = BULK_BATCH_SIZE,
) -> BulkUpdateResult:
    """Give many persons one legal basis for one purpose.

    Persons who already have that basis are left alone (no row change, no ledger entry);
    every other person gets the basis and exactly one ConsentEvent. Each batch is its own
    transaction, so a selection of 100 000 persons neither holds locks for minutes nor
    loses finished batches when a later one fails; a batch costs a fixed handful of
    queries whatever its size."""
    if isinstance(persons, QuerySet):
        person_ids = list(persons.order_by("pk").values_list("pk", flat=True).distinct())
    else:
        person_ids = sorted(set(persons))
    changed = unchanged = batches = 0
    for start in range(0, len(person_ids), batch_size):
        batch = person_ids[start : start + batch_size]
        with transaction.atomic():
            batch_changed = _consents_bulk_update_batch(
                person_ids=batch,
                purpose=purpose,
                legal_basis=legal_basis,
                source=source,
                comment=comment,
                actor_user=actor_user,
            )
        batches += 1
        changed += batch_changed
        unchanged += len(batch) - batch_changed
    return BulkUpdateResult(changed=changed, unchanged=unchanged, batches=batches)


def _consents_bulk_update_batch(
    *,
    person_ids: list[int],
    purpose: Purpose,
    legal_basis: LegalBasis,
    source: ConsentSource | None,
    comment: str,
    actor_user: AbstractBaseUser | None,
) -> int:
    now = timezone.now()
    # Locked like consent_set locks one row, so a concurrent single change is recorded in order.
    existing = {
        consent.person_id: consent
        for consent in Consent.objects.select_for_update().filter(purpose=purpose, person_id__in=person_ids)
    }
    # Ids that no longer exist (deleted since the selection was made) are skipped.
    live_ids = set(Person.objects.filter(pk__in=person_ids).values_list("pk", flat=True))
    to_create: list[Consent] = []
    to_update: list[Consent] = []
    events: list[ConsentEvent] = []
    for person_id in person_ids:
        current = existing.get(person_id)
        if person_id not in live_ids or (current is not None and current.legal_basis_id == legal_basis.pk):
            continue
        consent, event = _consent_change(
            current,
            person_id=person_id,
            purpose=purpose,
            legal_basis=legal_basis,
            source=source,
            comment=comment,
            actor_type=ConsentEvent.Actor.USER if actor_user is not None else ConsentEvent.Actor.SYSTEM,
            actor_user=actor_user,
            now=now,
        )
        (to_update if current is not None else to_create).append(consent)
        events.append(event)
    Consent.objects.bulk_create(to_create)
    if to_update:
        # Every changed row gets the same values, so one plain UPDATE does (bulk_update would
        # build a CASE per row and field, which is slow for hundreds of rows).
        first = to_update[0]
        Consent.objects.filter(pk__in=[consent.pk for consent in to_update]).update(
            legal_basis=first.legal_basis,
            source=first.source,
            comment=first.comment,
            updated_at=first.updated_at,
            updated_by=first.updated_by,
        )
    # bulk_create bypasses ConsentEvent.save(); these rows are new, so the ledger stays append-only.
    ConsentEvent.objects.bulk_create(events)
    return len(events)


@transaction.atomic
def subscription_set(
    *,
    person: Person,
    subscription_type: SubscriptionType,
    subscribed: bool,
    source: ConsentSource | None = None,
    comment: str = "",
    actor_type: str = ConsentEvent.Actor.SYSTEM,
    actor_user: AbstractBaseUser | None = None,
    evidence: Evidence | None = None,
) -> Subscription:
    """Opt a person in or out of one subscription type and write the ledger entry.

    Setting the state it already has writes nothing."""
    evidence = evidence or Evidence()
    now = timezone.now()
    subscription = (
        Subscription.objects.select_for_update().filter(person=person, subscription_type=subscription_type).first()
    )
    before = subscription.subscribed if subscription else None
    if subscription is not None and before == subscribed:
        return subscription
    if subscription is None:
        subscription = Subscription.objects.create(
            person=person, subscription_type=subscription_type, subscribed=subscribed, source=source, updated_at=now
        )
    else:
        subscription.subscribed = subscribed
        subscription.source = source
        subscription.updated_at = now
        subscription.save()
    ConsentEvent.objects.create(
        person=person,
        subscription_type=subscription_type,
        subscribed_before=before,
        subscribed_after=subscribed,
        source=source,
        comment=comment,
        actor_type=actor_type,
        actor_user=actor_user,
        created_at=now,
        ip_address=evidence.ip_address,
        user_agent=evidence.user_agent[:1000],
    )
    return subscription


def activity_create(
    *,
    person: Person,
    kind: str,
    subject: str = "",
    direction: str = Activity.Direction.INTERNAL,
    status: str = "",
    created_by: AbstractBaseUser | None = None,
    **fields: object,
) -> Activity:
    """Write one entry on the person's Activities card."""
    return Activity.objects.create(
        person=person,
        company=person.company,
        kind=kind,
        subject=subject[:300],
        direction=direction,
        status=status,
        created_by=created_by,
        **fields,
    )
