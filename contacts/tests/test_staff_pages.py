import pytest
from django.urls import reverse

from contacts.models import Person
from contacts.tests.factories import CompanyFactory, EmailAddressFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_staff_pages_need_login(client):
    response = client.get(reverse("contacts:person_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_staff_pages_need_the_right_permission(client):
    client.force_login(UserFactory())
    assert client.get(reverse("contacts:person_list")).status_code == 403


def test_person_list_costs_the_same_number_of_queries_for_many_rows(staff_client, django_assert_max_num_queries):
    company = CompanyFactory()
    for _ in range(30):
        EmailAddressFactory(person=PersonFactory(company=company))
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("contacts:person_list"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/crm/persons/') >= 25


def test_person_search_by_name_email_and_company(staff_client):
    fjord = CompanyFactory(name="Fjord & Fjell AS")
    ase = PersonFactory(first_name="Åse", last_name="Bjørnstad", company=fjord)
    kari = PersonFactory(first_name="Kari", last_name="Nordmann")
    EmailAddressFactory(person=kari, address="kari@blabaer.no")
    PersonFactory(first_name="Ola", last_name="Hansen")

    def found(query):
        response = staff_client.get(reverse("contacts:person_list"), {"q": query})
        return {p.pk for p in response.context["page"].object_list}

    assert found("bjørn") == {ase.pk}
    assert found("BLABAER") == {kari.pk}
    assert found("fjell") == {ase.pk}
    assert found("kari nordmann") == {kari.pk}


def test_create_person_through_the_form_registers_them(staff_client, staff_user):
    company = CompanyFactory()
    response = staff_client.post(
        reverse("contacts:person_create"),
        {
            "first_name": "Håkon",
            "last_name": "Æsøy",
            "company": company.pk,
            "language": "nn",
            "addresses-TOTAL_FORMS": "1",
            "addresses-INITIAL_FORMS": "0",
            "addresses-0-address": "hakon@example.no",
        },
    )
    person = Person.objects.get(first_name="Håkon")
    assert response.status_code == 302
    assert response.url == reverse("contacts:person_detail", args=[person.pk])
    assert person.registered_by == staff_user
    assert list(person.email_addresses.values_list("address", flat=True)) == ["hakon@example.no"]


def test_malformed_address_is_a_form_error_not_a_500(staff_client):
    response = staff_client.post(
        reverse("contacts:person_create"),
        {
            "first_name": "Ola",
            "addresses-TOTAL_FORMS": "1",
            "addresses-INITIAL_FORMS": "0",
            "addresses-0-address": "ola@@example",
        },
    )
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["address"]
    assert 'class="field-error"' in response.content.decode()
    assert not Person.objects.exists()


def test_person_page_shows_activities_newest_first(staff_client):
    from contacts.tests.factories import ActivityFactory

    person = PersonFactory()
    ActivityFactory(person=person, subject="First")
    ActivityFactory(person=person, subject="Second")
    response = staff_client.get(reverse("contacts:person_detail", args=[person.pk]))
    body = response.content.decode()
    assert body.index("Second") < body.index("First")


def test_edit_person_changes_fields_and_addresses(staff_client):
    person = PersonFactory(first_name="Kari")
    address = EmailAddressFactory(person=person, address="old@example.no")
    response = staff_client.post(
        reverse("contacts:person_edit", args=[person.pk]),
        {
            "first_name": "Kari Anne",
            "language": "en",
            "addresses-TOTAL_FORMS": "2",
            "addresses-INITIAL_FORMS": "1",
            "addresses-0-id": address.pk,
            "addresses-0-address": "new@example.no",
            "addresses-1-address": "",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Kari Anne"
    assert list(person.email_addresses.values_list("address", flat=True)) == ["new@example.no"]
