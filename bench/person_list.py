"""Benchmark: the staff person list and search over 5,000 persons.

Prints time per page and the number of queries per page, which must not grow with rows."""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_confirm.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from contacts.models import Company, ConsentSource, EmailAddress, Person  # noqa: E402

PERSONS = 5000
ROUNDS = 20


def seed() -> None:
    if Person.objects.count() >= PERSONS:
        return
    source = ConsentSource.objects.get(key=ConsentSource.CREATED_BY_USER)
    companies = Company.objects.bulk_create([Company(name=f"Firma {i} AS") for i in range(200)])
    persons = Person.objects.bulk_create(
        [
            Person(first_name=f"Åse{i}", last_name=f"Bjørnstad{i % 97}", company=companies[i % 200], source=source)
            for i in range(PERSONS)
        ]
    )
    EmailAddress.objects.bulk_create([EmailAddress(person=p, address=f"person{p.pk}@example.no") for p in persons])


def main() -> None:
    seed()
    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = Client()
    client.force_login(user)
    for label, params in [
        ("first page", {}),
        ("page 50", {"page": 50}),
        ("search 'bjørnstad4'", {"q": "bjørnstad4"}),
        ("search by email", {"q": "person42@"}),
        ("search company", {"q": "firma 17"}),
    ]:
        started = time.perf_counter()
        for _ in range(ROUNDS):
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/crm/persons/", params, HTTP_HOST="127.0.0.1")
            assert response.status_code == 200, response.status_code
        elapsed = (time.perf_counter() - started) / ROUNDS * 1000
        print(f"person list, {label:22s} {elapsed:7.1f} ms/page  {len(queries):2d} queries")


if __name__ == "__main__":
    main()
