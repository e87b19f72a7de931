"""Demo data for development: companies, persons with Norwegian and English names, and
logins. Idempotent. Refuses to run with DEBUG off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from contacts import services
from contacts.models import Company, ConsentSource, EmailAddress, OrganisationSettings, Person
from contacts.permissions import STAFF_GROUP, staff_group_ensure

STAFF_LOGIN = ("staff", "staff-demo-password")
ADMIN_LOGIN = ("admin", "admin-demo-password")

COMPANIES = [
    ("Fjord & Fjell AS", "912345678", "Norway", "https://fjordogfjell.example.no"),
    ("Blåbær Bakeri", "923456789", "Norway", "https://blabaer.example.no"),
    ("Northwind Traders Ltd", "", "United Kingdom", "https://northwind.example.com"),
]

PERSONS = [
    ("Åse", "Bjørnstad", "Daglig leder", 0, "nb", "ase.bjornstad@fjordogfjell.example.no", "+47 912 34 567"),
    ("Øystein", "Kjærnes", "Innkjøpssjef", 0, "nb", "oystein@fjordogfjell.example.no", "+47 923 45 678"),
    ("Kari", "Nordmann", "Baker", 1, "nb", "kari.nordmann@blabaer.example.no", ""),
    ("Håkon", "Æsøy", "", 1, "nn", "hakon.aesoy@blabaer.example.no", "+47 934 56 789"),
    ("Emily", "Watson", "Head of Purchasing", 2, "en", "emily.watson@northwind.example.com", "+44 20 7946 0018"),
    ("James", "O'Connor", "Sales Manager", 2, "en", "james.oconnor@northwind.example.com", ""),
    ("Liv", "Sæther", "", None, "nb", "", "+47 945 67 890"),
]


class Command(BaseCommand):
    help = "Create demo companies, persons and logins (development only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG on: it creates logins with known passwords.")
        with transaction.atomic():
            staff_group_ensure()
            staff = self._user(*STAFF_LOGIN, is_staff=False, is_superuser=False)
            staff.groups.add(Group.objects.get(name=STAFF_GROUP))
            self._user(*ADMIN_LOGIN, is_staff=True, is_superuser=True)
            organisation = OrganisationSettings.load()
            if not organisation.dpo_name:  # never overwrite what an administrator set
                organisation.dpo_name = "Ingrid Lie"
                organisation.dpo_email = "personvern@example.org"
                organisation.phone = "+47 22 00 00 00"
                organisation.save()
            companies = []
            for name, org_number, country, website in COMPANIES:
                company, _created = Company.objects.get_or_create(
                    name=name, defaults={"org_number": org_number, "country": country, "website": website}
                )
                companies.append(company)
            created = 0
            for first, last, title, company_index, language, email, phone in PERSONS:
                if email:
                    exists = EmailAddress.objects.filter(address__iexact=email).exists()
                else:
                    exists = Person.objects.filter(first_name=first, last_name=last).exists()
                if exists:
                    continue
                services.person_register(
                    first_name=first,
                    last_name=last,
                    title=title,
                    company=companies[company_index] if company_index is not None else None,
                    phone=phone,
                    language=language,
                    email_addresses=[services.EmailAddressData(address=email)] if email else [],
                    source_key=ConsentSource.CREATED_BY_USER,
                    registered_by=staff,
                )
                created += 1
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} persons created)."))
        self.stdout.write(f"Staff login: {STAFF_LOGIN[0]} / {STAFF_LOGIN[1]}")
        self.stdout.write(f"Administrator login: {ADMIN_LOGIN[0]} / {ADMIN_LOGIN[1]}")

    def _user(self, username: str, password: str, *, is_staff: bool, is_superuser: bool):  # type: ignore[no-untyped-def]
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"is_staff": is_staff, "is_superuser": is_superuser, "email": f"{username}@example.org"},
        )
        if created:
            user.set_password(password)
            user.save()
        return user
