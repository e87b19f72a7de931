"""The rules of consent records: one row per person and purpose, withdrawal keeps the row,
every change writes exactly one ledger entry, and the ledger cannot be changed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contacts import services
from contacts.models import Consent, ConsentEvent, ConsentSource, LegalBasis, OrganisationSettings, Purpose
from contacts.tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def basis(key: str) -> LegalBasis:
    return LegalBasis.objects.get(key=key)


def source(key: str = ConsentSource.CREATED_BY_USER) -> ConsentSource:
    return ConsentSource.objects.get(key=key)


@pytest.fixture
def store() -> Purpose:
    return Purpose.objects.get(key=Purpose.STORE)


@pytest.fixture
def emarketing() -> Purpose:
    return Purpose.objects.get(key=Purpose.EMARKETING)


def test_the_database_refuses_a_second_consent_for_the_same_person_and_purpose(store):
    person = PersonFactory()
    Consent.objects.create(person=person, purpose=store, legal_basis=basis("61A"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(person=person, purpose=store, legal_basis=basis("61F"))


def test_setting_a_consent_twice_updates_the_one_row_and_writes_two_events(store):
    person = PersonFactory()
    user = UserFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61A"), actor_user=user)
    services.consent_set(
        person=person,
        purpose=store,
        legal_basis=basis("61B"),
        source=source("EMAIL"),
        comment="Signed",
        actor_user=user,
    )
    consent = Consent.objects.get(person=person, purpose=store)
    assert consent.legal_basis.key == "61B"
    assert consent.source.key == "EMAIL"
    assert consent.comment == "Signed"
    assert consent.updated_by == user
    events = list(ConsentEvent.objects.filter(person=person).order_by("id"))
    assert [(e.legal_basis_before_id and e.legal_basis_before.key, e.legal_basis_after.key) for e in events] == [
        (None, "61A"),
        ("61A", "61B"),
    ]


def test_withdrawing_keeps_the_row_with_legal_basis_withdrawn(emarketing):
    person = PersonFactory()
    services.consent_set(person=person, purpose=emarketing, legal_basis=basis("61A"))
    consent = services.consent_set(person=person, purpose=emarketing, legal_basis=basis(LegalBasis.WITHDRAWN))
    assert Consent.objects.filter(person=person, purpose=emarketing).count() == 1
    assert consent.legal_basis.is_withdrawn
    assert not consent.is_given


def test_a_change_by_the_person_records_the_evidence(emarketing):
    person = PersonFactory()
    services.consent_set(
        person=person,
        purpose=emarketing,
        legal_basis=basis("61A"),
        source=source(ConsentSource.CUSTOMER_PORTAL),
        actor_type=ConsentEvent.Actor.PERSON,
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0 " + "x" * 2000,
        approval_text="Yes, I want e-mail",
        privacy_statement_url="https://example.org/privacy",
    )
    event = ConsentEvent.objects.get(person=person)
    assert event.actor_type == ConsentEvent.Actor.PERSON
    assert event.actor_user is None
    assert event.ip_address == "203.0.113.7"
    assert len(event.user_agent) == 1000
    assert event.approval_text == "Yes, I want e-mail"
    assert event.privacy_statement_url == "https://example.org/privacy"
    assert event.source.key == ConsentSource.CUSTOMER_PORTAL


def test_a_ledger_entry_cannot_be_edited_or_deleted(store):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61A"))
    event = ConsentEvent.objects.get(person=person)
    event.comment = "rewritten history"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        ConsentEvent.objects.filter(pk=event.pk).update(comment="rewritten history")
    with pytest.raises(ValidationError):
        ConsentEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ValidationError):
        ConsentEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.comment == ""


def test_the_ledger_keeps_its_person_the_database_refuses_to_cascade(store):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61A"))
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        person.delete()
    assert ConsentEvent.objects.filter(person=person).count() == 1


def test_no_service_changes_or_removes_earlier_ledger_entries(store, emarketing):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61A"), comment="first")
    first = ConsentEvent.objects.get(person=person)
    snapshot = {f.name: getattr(first, f.attname) for f in ConsentEvent._meta.fields}
    services.consent_set(person=person, purpose=store, legal_basis=basis("61B"), comment="second")
    services.emarketing_switch(person=person, enabled=True, actor_user=UserFactory())
    services.consents_bulk_update(persons=[person.pk], purpose=store, legal_basis=basis("61C"))
    first.refresh_from_db()
    assert {f.name: getattr(first, f.attname) for f in ConsentEvent._meta.fields} == snapshot
    assert ConsentEvent.objects.filter(person=person).count() == 4


def test_new_person_gets_the_organisations_default_legal_basis_and_their_source(store):
    settings_row = OrganisationSettings.load()
    settings_row.default_store_legal_basis = basis("61B")
    settings_row.save()
    person = services.person_register(first_name="Ola", source_key=ConsentSource.IMPORT)
    consent = Consent.objects.get(person=person, purpose=store)
    assert consent.legal_basis.key == "61B"
    assert consent.source.key == ConsentSource.IMPORT
    assert person.source.key == ConsentSource.IMPORT


def test_without_a_default_legal_basis_a_new_person_gets_no_consent_row():
    settings_row = OrganisationSettings.load()
    settings_row.default_store_legal_basis = None
    settings_row.save()
    person = services.person_register(first_name="Ola")
    assert not Consent.objects.filter(person=person).exists()
    assert not ConsentEvent.objects.filter(person=person).exists()


def test_turning_e_marketing_on_sets_legitimate_interest(emarketing):
    person = PersonFactory()
    user = UserFactory()
    consent = services.emarketing_switch(person=person, enabled=True, actor_user=user)
    assert consent.legal_basis.key == LegalBasis.LEGITIMATE_INTEREST
    event = ConsentEvent.objects.get(person=person, purpose=emarketing)
    assert (event.legal_basis_before, event.legal_basis_after.key) == (None, "61F")
    assert event.actor_type == ConsentEvent.Actor.USER
    assert event.actor_user == user


def test_turning_e_marketing_off_withdraws_and_on_again_gives_legitimate_interest(emarketing):
    person = PersonFactory()
    user = UserFactory()
    services.consent_set(person=person, purpose=emarketing, legal_basis=basis("61A"))
    services.emarketing_switch(person=person, enabled=False, actor_user=user)
    assert Consent.objects.get(person=person, purpose=emarketing).legal_basis.key == LegalBasis.WITHDRAWN
    services.emarketing_switch(person=person, enabled=True, actor_user=user)
    assert Consent.objects.get(person=person, purpose=emarketing).legal_basis.key == "61F"
    afters = list(
        ConsentEvent.objects.filter(person=person).order_by("id").values_list("legal_basis_after__key", flat=True)
    )
    assert afters == ["61A", LegalBasis.WITHDRAWN, "61F"]


def test_turning_e_marketing_on_when_consent_is_given_keeps_it_and_writes_nothing(emarketing):
    person = PersonFactory()
    services.consent_set(person=person, purpose=emarketing, legal_basis=basis("61A"))
    services.emarketing_switch(person=person, enabled=True, actor_user=UserFactory())
    assert Consent.objects.get(person=person, purpose=emarketing).legal_basis.key == "61A"
    assert ConsentEvent.objects.filter(person=person).count() == 1


def test_e_marketing_cannot_be_switched_while_the_purpose_is_inactive(emarketing):
    emarketing.active = False
    emarketing.save()
    person = PersonFactory()
    assert services.emarketing_switch(person=person, enabled=True, actor_user=None) is None
    assert not Consent.objects.filter(person=person).exists()


def test_the_emarketing_switch_cannot_undo_the_persons_own_withdrawal():
    from contacts.models import ConsentSource as Source

    person = services.person_register(first_name="Nora")
    emarketing = Purpose.objects.get(key=Purpose.EMARKETING)
    services.consent_set(
        person=person,
        purpose=emarketing,
        legal_basis=LegalBasis.objects.get(key=LegalBasis.WITHDRAWN),
        source=Source.objects.get(key=Source.CUSTOMER_PORTAL),
        actor_type=ConsentEvent.Actor.PERSON,
    )
    events_before = ConsentEvent.objects.count()

    with pytest.raises(services.ConsentChangeRefused):
        services.emarketing_switch(person=person, enabled=True, actor_user=None)

    assert Consent.objects.get(person=person, purpose=emarketing).legal_basis.key == LegalBasis.WITHDRAWN
    assert ConsentEvent.objects.count() == events_before


def test_the_emarketing_switch_may_turn_on_again_what_staff_turned_off():
    person = services.person_register(first_name="Nora")
    services.emarketing_switch(person=person, enabled=False, actor_user=None)
    consent = services.emarketing_switch(person=person, enabled=True, actor_user=None)
    assert consent.legal_basis.key == LegalBasis.LEGITIMATE_INTEREST
