"""Fixtures for the customer centre: a person with consents and subscriptions, and a live
personal link to their page."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from contacts.models import ConsentEvent, LegalBasis, Person, Purpose, SubscriptionType
from contacts.services import consent_set, subscription_set
from contacts.tests.factories import CompanyFactory, EmailAddressFactory, PersonFactory
from privacy_confirm.confirmations.links import personal_link_create
from privacy_confirm.confirmations.models import PersonalLink

WRITE_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)


def assert_token_not_stored(token: str) -> int:
    """Scan every text column of every row of the CRM and confirmations tables for the
    raw token; returns how many values were scanned."""
    scanned = 0
    for app_label in ("confirmations", "contacts"):
        for model in apps.get_app_config(app_label).get_models():
            text_fields = [
                f.name for f in model._meta.get_fields() if isinstance(f, (models.CharField, models.TextField))
            ]
            if not text_fields:
                continue
            for row in model.objects.values_list(*text_fields):
                for value in row:
                    scanned += 1
                    assert token not in (value or ""), f"the raw token is stored in {model.__name__}"
    return scanned


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # Rate-limit counters live in the cache (Redis in integration runs), which outlives a test.
    cache.clear()


@dataclass
class Centre:
    person: Person
    link: PersonalLink
    token: str

    @property
    def url(self) -> str:
        return f"/privacy/{self.token}/"


def person_with_records(**fields: object) -> Person:
    """A person with a company, two addresses, a phone, Sales and service on Contract and
    E-marketing on Legitimate interest, subscribed to the newsletter and to events."""
    fields.setdefault("company", CompanyFactory(name="Fjord & Fjell AS", org_number="912 345 678"))
    fields.setdefault("phone", "+47 912 34 567")
    fields.setdefault("title", "Innkjøpssjef")
    person = PersonFactory(**fields)
    local = person.first_name.lower().translate(str.maketrans({"å": "aa", "ø": "o", "æ": "ae"}))
    EmailAddressFactory(person=person, address=f"{local}@fjordogfjell.example.no", rank=0)
    EmailAddressFactory(person=person, address=f"{local}.privat@example.com", rank=1)
    consent_set(
        person=person,
        purpose=Purpose.objects.get(key=Purpose.STORE),
        legal_basis=LegalBasis.objects.get(key=LegalBasis.CONTRACT),
        actor_type=ConsentEvent.Actor.SYSTEM,
    )
    consent_set(
        person=person,
        purpose=Purpose.objects.get(key=Purpose.EMARKETING),
        legal_basis=LegalBasis.objects.get(key=LegalBasis.LEGITIMATE_INTEREST),
        actor_type=ConsentEvent.Actor.SYSTEM,
    )
    for subscription_type in SubscriptionType.objects.all():
        subscription_set(person=person, subscription_type=subscription_type, subscribed=True)
    return person


def centre_for(person: Person) -> Centre:
    link, token = personal_link_create(person=person)
    return Centre(person=person, link=link, token=token)


@pytest.fixture
def centre(db) -> Centre:  # type: ignore[no-untyped-def]
    return centre_for(person_with_records(first_name="Åse", last_name="Bjørnstad", language="nb"))


@pytest.fixture
def assert_no_writes():  # type: ignore[no-untyped-def]
    """Use as `with assert_no_writes(): ...`: fails if any query that writes ran."""

    class _Guard:
        def __enter__(self) -> CaptureQueriesContext:
            self.context = CaptureQueriesContext(connection)
            return self.context.__enter__()

        def __exit__(self, *exc: object) -> None:
            self.context.__exit__(*exc)
            writes = [q["sql"] for q in self.context.captured_queries if WRITE_SQL.match(q["sql"])]
            assert not writes, f"{len(writes)} writing queries: {writes}"
            # The guard itself must have seen the queries, or it proves nothing.
            assert self.context.captured_queries, "no queries captured"

    return _Guard
