"""Bulk update of one purpose's legal basis: the service, the staff page and the admin action."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from contacts import services
from contacts.models import Consent, ConsentEvent, ConsentSource, LegalBasis, Person, Purpose
from contacts.tests.factories import EmailAddressFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def basis(key: str) -> LegalBasis:
    return LegalBasis.objects.get(key=key)


@pytest.fixture
def store() -> Purpose:
    return Purpose.objects.get(key=Purpose.STORE)


@pytest.fixture
def email_source() -> ConsentSource:
    return ConsentSource.objects.get(key=ConsentSource.EMAIL)


def test_bulk_update_changes_only_persons_without_the_basis_and_counts_them(store, email_source):
    already, other_basis, no_row = PersonFactory(), PersonFactory(), PersonFactory()
    services.consent_set(person=already, purpose=store, legal_basis=basis("61B"), comment="keep me")
    services.consent_set(person=other_basis, purpose=store, legal_basis=basis("61F"))
    events_before = ConsentEvent.objects.count()
    user = UserFactory()

    result = services.consents_bulk_update(
        persons=Person.objects.all(),
        purpose=store,
        legal_basis=basis("61B"),
        source=email_source,
        comment="Contracts signed",
        actor_user=user,
    )

    assert (result.changed, result.unchanged) == (2, 1)
    assert ConsentEvent.objects.count() == events_before + 2
    for person in (other_basis, no_row):
        consent = Consent.objects.get(person=person, purpose=store)
        assert (consent.legal_basis.key, consent.source, consent.comment, consent.updated_by) == (
            "61B",
            email_source,
            "Contracts signed",
            user,
        )
        event = ConsentEvent.objects.filter(person=person).latest("id")
        assert event.legal_basis_after.key == "61B"
        assert event.actor_type == ConsentEvent.Actor.USER
        assert event.actor_user == user
        assert event.comment == "Contracts signed"
    assert ConsentEvent.objects.filter(person=other_basis).latest("id").legal_basis_before.key == "61F"
    assert ConsentEvent.objects.get(person=no_row).legal_basis_before is None
    untouched = Consent.objects.get(person=already, purpose=store)
    assert untouched.comment == "keep me"
    assert ConsentEvent.objects.filter(person=already).count() == 1


def test_bulk_update_leaves_other_purposes_alone(store):
    person = PersonFactory()
    emarketing = Purpose.objects.get(key=Purpose.EMARKETING)
    services.consent_set(person=person, purpose=emarketing, legal_basis=basis("61A"))
    services.consents_bulk_update(persons=[person.pk], purpose=store, legal_basis=basis("61C"))
    assert Consent.objects.get(person=person, purpose=emarketing).legal_basis.key == "61A"


def test_bulk_update_runs_in_batches_of_constant_query_cost(store, django_assert_max_num_queries):
    persons = [PersonFactory() for _ in range(120)]
    for person in persons[:40]:
        services.consent_set(person=person, purpose=store, legal_basis=basis("61A"))
    # Per batch: savepoint, lock consents, persons, insert consents, update consents, insert
    # events, release; plus the id list. 3 batches of 50: well under one query per person.
    with django_assert_max_num_queries(1 + 3 * 8):
        result = services.consents_bulk_update(
            persons=Person.objects.all(), purpose=store, legal_basis=basis("61F"), batch_size=50
        )
    assert (result.changed, result.unchanged, result.batches) == (120, 0, 3)
    assert ConsentEvent.objects.filter(purpose=store, legal_basis_after__key="61F").count() == 120


def test_each_batch_is_committed_on_its_own(store, monkeypatch):
    persons = [PersonFactory() for _ in range(5)]
    real_bulk_create = ConsentEvent.objects.bulk_create
    calls = []

    def failing_third_batch(objs, *args, **kwargs):
        calls.append(len(objs))
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(ConsentEvent.objects, "bulk_create", failing_third_batch)
    with pytest.raises(RuntimeError):
        services.consents_bulk_update(
            persons=Person.objects.all(), purpose=store, legal_basis=basis("61A"), batch_size=2
        )
    # The first two batches stay; the third rolled back its consent rows with its events.
    changed = set(Consent.objects.filter(purpose=store).values_list("person_id", flat=True))
    assert changed == {p.pk for p in persons[:4]}
    assert ConsentEvent.objects.count() == 4


def test_bulk_update_skips_ids_of_persons_that_no_longer_exist(store):
    person = PersonFactory()
    result = services.consents_bulk_update(persons=[person.pk, 999_999], purpose=store, legal_basis=basis("61A"))
    assert (result.changed, result.unchanged) == (1, 1)


# The staff page


@pytest.fixture
def consent_editor_client(client):
    user = UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_person", "change_consent"], content_type__app_label="contacts")
    )
    client.force_login(user)
    client.user = user
    return client


def bulk_post(client, follow=False, **data):
    payload = {
        "purpose": Purpose.objects.get(key=Purpose.STORE).pk,
        "legal_basis": basis("61B").pk,
        "source": ConsentSource.objects.get(key=ConsentSource.EMAIL).pk,
        "comment": "Contracts signed",
        "scope": "selected",
        **data,
    }
    return client.post(reverse("contacts:consents_bulk"), payload, follow=follow)


def test_staff_page_applies_to_ticked_persons_only(consent_editor_client, store):
    ticked, not_ticked = PersonFactory(last_name="Nordmann"), PersonFactory(last_name="Nordmann")
    response = bulk_post(consent_editor_client, q="nordmann", persons=[ticked.pk])
    assert response.status_code == 302
    assert Consent.objects.get(person=ticked, purpose=store).legal_basis.key == "61B"
    assert not Consent.objects.filter(person=not_ticked).exists()
    event = ConsentEvent.objects.get(person=ticked)
    assert event.actor_user == consent_editor_client.user
    assert event.comment == "Contracts signed"


def test_staff_page_applies_to_every_person_matching_the_search(consent_editor_client, store):
    matching = [PersonFactory(last_name="Nordmann") for _ in range(3)]
    other = PersonFactory(last_name="Hansen")
    response = bulk_post(consent_editor_client, q="nordmann", scope="all")
    assert response.status_code == 302
    assert set(Consent.objects.values_list("person_id", flat=True)) == {p.pk for p in matching}
    assert not Consent.objects.filter(person=other).exists()
    response = consent_editor_client.get(response.url)
    messages = [str(m) for m in response.context["messages"]]
    counts = ("Changed: 3. Unchanged (already had it): 0.", "Endret: 3. Uendret (hadde det fra før): 0.")
    assert any(c in m for c in counts for m in messages), messages


def test_staff_page_reports_changed_and_unchanged(consent_editor_client, store):
    first, second = PersonFactory(), PersonFactory()
    services.consent_set(person=first, purpose=store, legal_basis=basis("61B"))
    response = bulk_post(consent_editor_client, persons=[first.pk, second.pk], follow=True)
    body = response.content.decode()
    assert "Changed: 1. Unchanged (already had it): 1." in body or "Endret: 1. Uendret (hadde det fra før): 1." in body


def test_staff_page_needs_a_ticked_person_when_applying_to_the_ticked_ones(consent_editor_client):
    PersonFactory()
    response = bulk_post(consent_editor_client)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not Consent.objects.exists()


def test_staff_page_needs_change_consent(client):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_person", content_type__app_label="contacts"))
    client.force_login(user)
    person = PersonFactory()
    assert client.get(reverse("contacts:consents_bulk")).status_code == 403
    assert bulk_post(client, persons=[person.pk]).status_code == 403
    assert not Consent.objects.exists()


def test_staff_page_search_costs_a_fixed_number_of_queries(consent_editor_client, django_assert_max_num_queries):
    for _ in range(60):
        EmailAddressFactory(person=PersonFactory(last_name="Nordmann"))
    with django_assert_max_num_queries(12):
        response = consent_editor_client.get(reverse("contacts:consents_bulk"), {"q": "nordmann"})
    assert response.status_code == 200
    assert response.content.decode().count('name="persons"') == 50


def test_staff_page_offers_only_active_purposes_bases_and_sources(consent_editor_client):
    LegalBasis.objects.filter(key="61D").update(active=False)
    ConsentSource.objects.filter(key=ConsentSource.CHAT).update(active=False)
    Purpose.objects.filter(key=Purpose.EMARKETING).update(active=False)
    form = consent_editor_client.get(reverse("contacts:consents_bulk")).context["form"]
    bases = [value for value, _label in form.fields["legal_basis"].choices if value]
    sources = [value for value, _label in form.fields["source"].choices if value]
    purposes = [value for value, _label in form.fields["purpose"].choices if value]
    assert basis("61D").pk not in bases and basis("61A").pk in bases
    assert ConsentSource.objects.get(key=ConsentSource.CHAT).pk not in sources
    assert purposes == [Purpose.objects.get(key=Purpose.STORE).pk]
    # Kept, only hidden.
    assert LegalBasis.objects.filter(key="61D").exists()
    # And a crafted POST with the inactive basis is refused.
    person = PersonFactory()
    response = bulk_post(consent_editor_client, persons=[person.pk], legal_basis=basis("61D").pk)
    assert response.status_code == 200
    assert "legal_basis" in response.context["form"].errors


# The admin action


@pytest.fixture
def admin_client_with_user(admin_client, admin_user):
    admin_client.user = admin_user
    return admin_client


def test_admin_action_shows_the_intermediate_form_then_applies(admin_client_with_user, store):
    persons = [PersonFactory() for _ in range(3)]
    url = reverse("admin:contacts_person_changelist")
    selection = {"action": "consents_bulk_update", ACTION_CHECKBOX_NAME: [p.pk for p in persons[:2]], "index": 0}
    response = admin_client_with_user.post(url, selection)
    assert response.status_code == 200
    assert "form" in response.context
    assert not Consent.objects.exists()

    response = admin_client_with_user.post(
        url,
        {
            **selection,
            "apply": "1",
            "purpose": store.pk,
            "legal_basis": basis("61C").pk,
            "source": ConsentSource.objects.get(key=ConsentSource.IMPORT).pk,
            "comment": "Required by the accounting act",
        },
    )
    assert response.status_code == 302
    assert set(Consent.objects.values_list("person_id", flat=True)) == {persons[0].pk, persons[1].pk}
    assert ConsentEvent.objects.filter(actor_user=admin_client_with_user.user).count() == 2


def test_admin_action_is_offered_only_to_users_who_may_change_consents(client):
    PersonFactory()  # the change list shows no actions when it is empty
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_person", "change_person"], content_type__app_label="contacts")
    )
    client.force_login(user)
    response = client.get(reverse("admin:contacts_person_changelist"))
    assert response.status_code == 200
    assert "consents_bulk_update" not in response.content.decode()
    user.user_permissions.add(Permission.objects.get(codename="change_consent", content_type__app_label="contacts"))
    response = client.get(reverse("admin:contacts_person_changelist"))
    assert "consents_bulk_update" in response.content.decode()


def test_admin_action_posted_without_change_consent_changes_nothing(client, store):
    person = PersonFactory()
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_person", "change_person"], content_type__app_label="contacts")
    )
    client.force_login(user)
    client.post(
        reverse("admin:contacts_person_changelist"),
        {
            "action": "consents_bulk_update",
            ACTION_CHECKBOX_NAME: [person.pk],
            "index": 0,
            "apply": "1",
            "purpose": store.pk,
            "legal_basis": basis("61A").pk,
            "source": ConsentSource.objects.get(key=ConsentSource.IMPORT).pk,
        },
    )
    assert not Consent.objects.exists()
    assert not ConsentEvent.objects.exists()


def test_admin_action_applies_to_every_person_when_all_are_selected_across_pages(admin_client, store):
    persons = [PersonFactory() for _ in range(3)]
    response = admin_client.post(
        reverse("admin:contacts_person_changelist"),
        {
            "action": "consents_bulk_update",
            ACTION_CHECKBOX_NAME: [persons[0].pk],
            "select_across": "1",
            "index": 0,
            "apply": "1",
            "purpose": store.pk,
            "legal_basis": basis("61A").pk,
            "source": ConsentSource.objects.get(key=ConsentSource.IMPORT).pk,
        },
    )
    assert response.status_code == 302
    assert Consent.objects.filter(purpose=store, legal_basis__key="61A").count() == 3
