"""Factories for the CRM core. Creating a Person here registers nobody and sends nothing:
it is the bare ORM, as DESIGN.md says. Use `contacts.services.person_register` to register."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from contacts.models import Activity, Company, ConsentSource, EmailAddress, Person
from contacts.permissions import STAFF_GROUP, staff_group_ensure


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("password")


class StaffUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")

    @factory.post_generation
    def staff_group(self, create: bool, extracted: object, **kwargs: object) -> None:
        if not create:
            return
        staff_group_ensure()
        self.groups.add(Group.objects.get(name=STAFF_GROUP))


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Fjord & Fjell {n} AS")
    country = "Norway"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Åse{n}")
    last_name = "Bjørnstad"
    language = "nb"
    source = factory.LazyFunction(lambda: ConsentSource.objects.get(key=ConsentSource.CREATED_BY_USER))


class EmailAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailAddress

    person = factory.SubFactory(PersonFactory)
    address = factory.Sequence(lambda n: f"person{n}@example.com")
    rank = 0


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    person = factory.SubFactory(PersonFactory)
    kind = Activity.Kind.NOTE
    subject = "A note"
