import pytest
from django.core.exceptions import ValidationError

from contacts import services
from contacts.models import Consent, ConsentEvent, ConsentSource, Person, Purpose
from contacts.signals import person_registered

pytestmark = pytest.mark.django_db


def test_register_saves_person_and_addresses_in_rank_order():
    person = services.person_register(
        first_name="Åse",
        last_name="Bjørnstad",
        email_addresses=[
            services.EmailAddressData(address=" ase@example.no "),
            services.EmailAddressData(address="ase.privat@example.no", description="Privat"),
        ],
    )
    addresses = list(person.email_addresses.values_list("address", "rank"))
    assert addresses == [("ase@example.no", 0), ("ase.privat@example.no", 1)]
    assert person.default_email_address().address == "ase@example.no"
    assert person.source.key == ConsentSource.CREATED_BY_USER


def test_register_sends_person_registered_after_addresses_exist():
    seen = {}

    def receiver(sender, person, **kwargs):
        seen["addresses"] = list(person.email_addresses.values_list("address", flat=True))

    person_registered.connect(receiver)
    try:
        services.person_register(first_name="Kari", email_addresses=[services.EmailAddressData("kari@example.no")])
    finally:
        person_registered.disconnect(receiver)
    assert seen == {"addresses": ["kari@example.no"]}


def test_register_with_malformed_address_saves_nothing():
    with pytest.raises(ValidationError):
        services.person_register(first_name="Ola", email_addresses=[services.EmailAddressData("not-an-address")])
    assert not Person.objects.exists()


def test_new_person_gets_the_default_legal_basis_for_sales_and_service():
    person = services.person_register(first_name="Ola")
    consent = Consent.objects.get(person=person, purpose__key=Purpose.STORE)
    assert consent.legal_basis.key == "61F"
    event = ConsentEvent.objects.get(person=person)
    assert event.legal_basis_before is None
    assert event.legal_basis_after.key == "61F"
    assert event.actor_type == ConsentEvent.Actor.SYSTEM


def test_names_with_norwegian_letters_survive_a_round_trip():
    person = services.person_register(first_name="Øystein Åge", last_name="Kjærnes-Æsøy")
    person.refresh_from_db()
    assert person.full_name == "Øystein Åge Kjærnes-Æsøy"


def test_the_default_basis_comment_is_stored_in_the_site_language_whatever_the_request_language(settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "nb"
    with translation.override("en"):
        person = services.person_register(first_name="Ola")
    assert ConsentEvent.objects.get(person=person).comment == "Standard behandlingsgrunnlag for nye personer"
