"""The outbox and personal links in Django admin: read-only lists with a few safe actions."""

import pytest
from django.urls import reverse

from contacts.tests.factories import UserFactory
from privacy_confirm.confirmations.models import Confirmation, PersonalLink
from privacy_confirm.confirmations.tests.outbox_support import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_en(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _sent_confirmations(count, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(count):
            register(first_name=f"Kari{n}", email=f"kari{n}@example.com")
    return Confirmation.objects.all()


def test_confirmation_list_costs_the_same_queries_for_more_rows(
    admin_client_en, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    _sent_confirmations(12, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(12):
        response = admin_client_en.get(reverse("admin:confirmations_confirmation_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count("kari") >= 12


def test_confirmations_cannot_be_edited_or_deleted_in_admin(admin_client_en, django_capture_on_commit_callbacks):
    confirmation = _sent_confirmations(1, django_capture_on_commit_callbacks).get()
    change_url = reverse("admin:confirmations_confirmation_change", args=[confirmation.pk])
    response = admin_client_en.post(change_url, {"recipient": "someone@else.example"})
    confirmation.refresh_from_db()
    assert response.status_code == 403
    assert confirmation.recipient == "kari0@example.com"
    delete_url = reverse("admin:confirmations_confirmation_delete", args=[confirmation.pk])
    assert admin_client_en.post(delete_url, {"post": "yes"}).status_code == 403


def test_retry_action_queues_failed_confirmations_again(admin_client_en, django_capture_on_commit_callbacks):
    confirmation = _sent_confirmations(1, django_capture_on_commit_callbacks).get()
    Confirmation.objects.filter(pk=confirmation.pk).update(status=Confirmation.Status.FAILED, last_error="503")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_en.post(
            reverse("admin:confirmations_confirmation_changelist"),
            {"action": "retry_failed", "_selected_action": [confirmation.pk]},
        )
    confirmation.refresh_from_db()
    assert confirmation.status == Confirmation.Status.SENT


def test_personal_link_admin_never_shows_the_hash_and_can_revoke(admin_client_en, django_capture_on_commit_callbacks):
    _sent_confirmations(1, django_capture_on_commit_callbacks)
    link = PersonalLink.objects.get()
    page = admin_client_en.get(reverse("admin:confirmations_personallink_change", args=[link.pk])).content.decode()
    assert link.token_hash not in page

    admin_client_en.post(
        reverse("admin:confirmations_personallink_changelist"),
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None
