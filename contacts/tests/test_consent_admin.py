"""Django admin for the consent models: the ledger is read-only there, consents change only
through the services, and the reference lists are ordered by rank."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from contacts import services
from contacts.models import ConsentEvent, ConsentSource, LegalBasis, Purpose, SubscriptionType
from contacts.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event() -> ConsentEvent:
    person = PersonFactory()
    services.consent_set(
        person=person,
        purpose=Purpose.objects.get(key=Purpose.STORE),
        legal_basis=LegalBasis.objects.get(key="61A"),
        comment="original",
    )
    return ConsentEvent.objects.get(person=person)


def test_admin_lists_and_shows_ledger_entries(admin_client, event):
    assert admin_client.get(reverse("admin:contacts_consentevent_changelist")).status_code == 200
    response = admin_client.get(reverse("admin:contacts_consentevent_change", args=[event.pk]))
    assert response.status_code == 200
    assert "original" in response.content.decode()
    assert 'name="comment"' not in response.content.decode()


def test_admin_cannot_add_a_ledger_entry(admin_client, event):
    assert admin_client.get(reverse("admin:contacts_consentevent_add")).status_code == 403
    response = admin_client.post(
        reverse("admin:contacts_consentevent_add"),
        {"person": event.person_id, "purpose": event.purpose_id, "actor_type": "system", "comment": "forged"},
    )
    assert response.status_code == 403
    assert ConsentEvent.objects.count() == 1


def test_admin_cannot_change_a_ledger_entry(admin_client, event):
    response = admin_client.post(
        reverse("admin:contacts_consentevent_change", args=[event.pk]),
        {"person": event.person_id, "purpose": event.purpose_id, "actor_type": "user", "comment": "rewritten"},
    )
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.comment, event.actor_type) == ("original", ConsentEvent.Actor.SYSTEM)


def test_admin_cannot_delete_a_ledger_entry(admin_client, event):
    url = reverse("admin:contacts_consentevent_delete", args=[event.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse("admin:contacts_consentevent_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [event.pk], "post": "yes"},
    )
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_admin_cannot_add_change_or_delete_consents_directly(admin_client, event):
    consent = event.person.consents.get()
    response = admin_client.post(
        reverse("admin:contacts_consent_change", args=[consent.pk]),
        {"legal_basis": LegalBasis.objects.get(key="61C").pk, "comment": "no ledger entry"},
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.legal_basis.key == "61A"
    assert admin_client.get(reverse("admin:contacts_consent_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:contacts_consent_delete", args=[consent.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert event.person.consents.exists()


def test_admin_cannot_delete_purposes_bases_or_sources_only_deactivate_them(admin_client):
    for model, name in ((Purpose, "purpose"), (LegalBasis, "legalbasis"), (ConsentSource, "consentsource")):
        obj = model.objects.first()
        response = admin_client.post(reverse(f"admin:contacts_{name}_delete", args=[obj.pk]), {"post": "yes"})
        assert response.status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Purpose, "purpose"),
        (LegalBasis, "legalbasis"),
        (ConsentSource, "consentsource"),
        (SubscriptionType, "subscriptiontype"),
    ],
)
def test_admin_lists_are_ordered_by_rank(admin_client, model, name):
    # Reverse the seeded order so that a list ordered by name or id would come out wrong.
    rows = list(model.objects.order_by("rank"))
    for rank, row in enumerate(reversed(rows)):
        model.objects.filter(pk=row.pk).update(rank=rank)
    response = admin_client.get(reverse(f"admin:contacts_{name}_changelist"))
    listed = [row.pk for row in response.context["cl"].result_list]
    assert listed == [row.pk for row in reversed(rows)]


def test_inactive_rows_stay_in_admin(admin_client):
    LegalBasis.objects.filter(key="61D").update(active=False)
    response = admin_client.get(reverse("admin:contacts_legalbasis_changelist"))
    assert LegalBasis.objects.get(key="61D").pk in [row.pk for row in response.context["cl"].result_list]
