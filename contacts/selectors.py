"""Read-side queries of the CRM core."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from contacts.models import Activity, EmailAddress, Person


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
