"""Read-side queries of the CRM core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from contacts.models import (
    Activity,
    Consent,
    ConsentEvent,
    ConsentSource,
    EmailAddress,
    LegalBasis,
    Person,
    Purpose,
    Subscription,
    SubscriptionType,
)


def person_search(*, query: str = "") -> QuerySet[Person]:
    """Persons matching every word of `query` in name, email address or company name.

    Addresses and company are fetched along, so listing a page costs a fixed number of queries."""
    persons = Person.objects.select_related("company").prefetch_related(
        Prefetch("email_addresses", queryset=EmailAddress.objects.order_by("rank", "id"))
    )
    for word in query.split():
        matching_address = EmailAddress.objects.filter(address__icontains=word).values("person_id")
        persons = persons.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(company__name__icontains=word)
            | Q(pk__in=matching_address)
        )
    return persons.order_by("last_name", "first_name", "id")


def person_activities(*, person: Person) -> QuerySet[Activity]:
    return person.activities.select_related("created_by").order_by("-created_at", "-id")


def person_find_by_email(*, address: str) -> Person | None:
    """The oldest person with this address, compared case-insensitively."""
    match = (
        EmailAddress.objects.filter(address__iexact=address.strip())
        .select_related("person")
        .order_by("person__registered_at", "person_id")
        .first()
    )
    return match.person if match else None


# Inactive bases, sources and purposes stay in the database (consents and the ledger point
# at them) but are never offered on a staff page.


def active_legal_bases() -> list[LegalBasis]:
    return list(LegalBasis.objects.filter(active=True).order_by("rank", "name"))


def active_sources() -> list[ConsentSource]:
    return list(ConsentSource.objects.filter(active=True).order_by("rank", "name"))


def active_purposes() -> list[Purpose]:
    """In rank order, with their translations fetched along."""
    return list(Purpose.objects.filter(active=True).prefetch_related("translations").order_by("rank", "name"))


@dataclass
class PurposeConsent:
    """One line of the Consents card: an active purpose and the person's consent, if any."""

    purpose: Purpose
    consent: Consent | None
    # The "Edit legal basis" form, set by the view when the user may edit.
    edit_form: Any = None

    @property
    def is_given(self) -> bool:
        return self.consent is not None and self.consent.is_given


def person_consents(*, person: Person) -> list[PurposeConsent]:
    """Every active purpose, in rank order, with the person's consent row (None: not registered).

    Each consent carries `last_actor_type` (who made the latest change: a user, the person or
    the system), taken from the ledger in the same query. Three queries in all."""
    latest_event = ConsentEvent.objects.filter(person=OuterRef("person"), purpose=OuterRef("purpose")).order_by(
        "-created_at", "-id"
    )
    consents = {
        consent.purpose_id: consent
        for consent in Consent.objects.filter(person=person, purpose__active=True)
        .select_related("legal_basis", "source", "updated_by")
        .annotate(last_actor_type=Subquery(latest_event.values("actor_type")[:1]))
    }
    return [PurposeConsent(purpose=purpose, consent=consents.get(purpose.pk)) for purpose in active_purposes()]


@dataclass(frozen=True)
class PersonSubscription:
    subscription_type: SubscriptionType
    subscription: Subscription | None


def person_subscriptions(*, person: Person) -> list[PersonSubscription]:
    """Every active subscription type, in rank order, with the person's choice (None: never asked)."""
    subscriptions = {
        s.subscription_type_id: s for s in Subscription.objects.filter(person=person).select_related("source")
    }
    types = SubscriptionType.objects.filter(active=True).prefetch_related("translations").order_by("rank", "name")
    return [PersonSubscription(subscription_type=t, subscription=subscriptions.get(t.pk)) for t in types]


def person_consent_events(*, person: Person) -> QuerySet[ConsentEvent]:
    """The person's ledger, newest first, with everything a history line shows fetched along
    (a fixed number of queries however long the history is)."""
    return (
        ConsentEvent.objects.filter(person=person)
        .select_related(
            "purpose",
            "subscription_type",
            "legal_basis_before",
            "legal_basis_after",
            "source",
            "actor_user",
        )
        .prefetch_related("purpose__translations", "subscription_type__translations")
        .order_by("-created_at", "-id")
    )
