"""The privacy overview: failed sends with Retry, persons never informed, open requests."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from contacts.models import Activity, ConsentSource
from contacts.tests.factories import ActivityFactory, EmailAddressFactory, PersonFactory, UserFactory
from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.confirmations.tests.outbox_support import outbox_template, register, sending_rule

pytestmark = pytest.mark.django_db
URL = "/confirmations/overview/"


@pytest.fixture(autouse=True)
def _locmem_and_english(settings, client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The assertions read English text; the UI's default language is Norwegian.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def failed_confirmation(*, reason: str = "The provider refused the recipient") -> Confirmation:
    person = PersonFactory()
    address = EmailAddressFactory(person=person)
    activity = ActivityFactory(person=person, kind=Activity.Kind.EMAIL, status=Activity.Status.FAILED)
    return Confirmation.objects.create(
        person=person,
        kind=Confirmation.Kind.AUTOMATIC,
        recipient=address.address,
        template=outbox_template(),
        status=Confirmation.Status.FAILED,
        attempts=1,
        last_error=reason,
        activity=activity,
    )


def test_url_name_and_login_are_required(client):
    assert reverse("confirmations:overview") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_users_without_the_view_permission_are_refused(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_failed_confirmations_are_listed_with_their_reason_and_a_retry_button(staff_client):
    confirmation = failed_confirmation(reason="Invalid 'To' address: 'x@example.com'.")
    response = staff_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Invalid &#x27;To&#x27; address" in html
    assert reverse("confirmations:confirmation_retry", args=[confirmation.pk]) in html


def test_retry_queues_the_failed_confirmation_again(staff_client, django_capture_on_commit_callbacks):
    confirmation = failed_confirmation()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("confirmations:confirmation_retry", args=[confirmation.pk]))
    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.status == Confirmation.Status.SENT
    assert len(mail.outbox) == 1
    assert confirmation.person.activities.get().status == Activity.Status.SENT


def test_retry_is_post_only_and_needs_the_send_permission(client, staff_client):
    confirmation = failed_confirmation()
    url = reverse("confirmations:confirmation_retry", args=[confirmation.pk])
    assert staff_client.get(url).status_code == 405
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_confirmation"))
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    assert "Retry" not in client.get(URL).content.decode()
    confirmation.refresh_from_db()
    assert confirmation.status == Confirmation.Status.FAILED


def test_retrying_a_confirmation_that_is_not_failed_says_so(staff_client):
    confirmation = failed_confirmation()
    Confirmation.objects.filter(pk=confirmation.pk).update(status=Confirmation.Status.SENT)
    response = staff_client.post(reverse("confirmations:confirmation_retry", args=[confirmation.pk]), follow=True)
    assert "Only a failed confirmation can be retried." in response.content.decode()


def test_persons_never_informed_are_listed_oldest_first_with_days_left(
    staff_client, django_capture_on_commit_callbacks
):
    sending_rule()
    with django_capture_on_commit_callbacks(execute=True):
        informed = register(first_name="Informed", email="informed@example.com")
        no_address = register(first_name="Noaddress", email=None)
        no_rule = register(first_name="Chatter", email="chat@example.com", source_key=ConsentSource.CHAT)
    Confirmation.objects.filter(person=informed).update(status=Confirmation.Status.SENT)
    now = timezone.now()
    no_rule.registered_at = now - timedelta(days=40)  # overdue
    no_rule.save()
    no_address.registered_at = now - timedelta(days=25)
    no_address.save()
    failed = failed_confirmation().person
    failed.registered_at = now - timedelta(days=2)
    failed.save()

    response = staff_client.get(URL)
    rows = response.context["never_rows"]
    assert [row["person"] for row in rows] == [no_rule, no_address, failed]
    assert [row["reason"] for row in rows] == [
        "The source sends no confirmation",
        "No email address",
        "Sending failed",
    ]
    assert [row["days_left"] for row in rows] == [-10, 5, 28]
    html = response.content.decode()
    assert "10 days overdue" in html
    assert "Informed" not in html.split("never-heading")[1].split("requests-heading")[0]


def test_open_data_requests_show_their_one_month_deadline(staff_client):
    person = PersonFactory(first_name="Requester")
    received = timezone.now() - timedelta(days=10)
    ActivityFactory(person=person, kind=Activity.Kind.ACCESS_REQUEST, status=Activity.Status.OPEN, created_at=received)
    ActivityFactory(person=person, kind=Activity.Kind.ERASURE_REQUEST, status=Activity.Status.DONE)
    response = staff_client.get(URL)
    rows = response.context["request_rows"]
    assert len(rows) == 1
    assert rows[0]["activity"].kind == Activity.Kind.ACCESS_REQUEST
    assert rows[0]["deadline"] == received + relativedelta(months=1)
    assert 18 <= rows[0]["days_left"] <= 21
    html = response.content.decode()
    assert "Requester" in html
    assert f'data-days-left="{rows[0]["days_left"]}"' in html


def test_overview_query_count_does_not_grow_with_rows(staff_client, django_assert_max_num_queries):
    def add_rows(n: int) -> None:
        for _ in range(n):
            failed_confirmation()
            ActivityFactory(kind=Activity.Kind.ERASURE_REQUEST, status=Activity.Status.OPEN)
            PersonFactory()

    add_rows(2)
    with django_assert_max_num_queries(20) as few:
        staff_client.get(URL)
    add_rows(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = staff_client.get(URL)
    assert response.context["failed"].paginator.count == 22


def test_long_lists_are_paginated(staff_client):
    for _ in range(30):
        PersonFactory()
    response = staff_client.get(URL + "?never_page=2")
    assert response.context["never"].number == 2
    assert len(response.context["never_rows"]) == 5
    assert "?never_page=1#never" in response.content.decode()
