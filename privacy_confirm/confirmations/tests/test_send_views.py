"""The send dialog's form page, preview fragment and add-address step (unit tests)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from contacts.models import Activity, EmailAddress
from contacts.tests.factories import EmailAddressFactory, PersonFactory, UserFactory
from privacy_confirm.confirmations.models import (
    Confirmation,
    ConfirmationSettings,
    EmailTemplate,
    EmailTemplateTranslation,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_en(staff_client):  # type: ignore[no-untyped-def]
    # Assert on English texts whatever the catalogue holds.
    staff_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return staff_client


@pytest.fixture
def person():  # type: ignore[no-untyped-def]
    person = PersonFactory(first_name="Kari", language="en")
    EmailAddressFactory(person=person, address="kari@example.com", rank=0)
    EmailAddressFactory(person=person, address="kari.work@example.com", rank=1)
    return person


def default_template() -> EmailTemplate:
    return EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)


def english_only_template() -> EmailTemplate:
    template = EmailTemplate.objects.create(key="english-only", name="English only", is_privacy_template=True)
    EmailTemplateTranslation.objects.create(
        template=template, language="en", subject="Hello {{ person.first_name }}", body_html="<p>Hi there</p>"
    )
    return template


def send_url(person) -> str:  # type: ignore[no-untyped-def]
    return reverse("confirmations:send_confirmation", args=[person.pk])


def preview_url(person) -> str:  # type: ignore[no-untyped-def]
    return reverse("confirmations:send_preview", args=[person.pk])


def post_data(person, **overrides) -> dict[str, str]:  # type: ignore[no-untyped-def]
    template = default_template()
    data = {
        "recipient": "kari@example.com",
        "template": str(template.pk),
        "template_shown": str(template.pk),
        "language": "en",
        "subject": "Your data with us",
        "subject_default": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def written_rows() -> tuple[int, int, int]:
    return Confirmation.objects.count(), Activity.objects.count(), EmailAddress.objects.count()


# --- the Task menu -------------------------------------------------------------------


def test_person_page_offers_the_send_task_to_staff(client_en, person):
    response = client_en.get(reverse("contacts:person_detail", args=[person.pk]))
    assert response.status_code == 200
    assert f'href="{send_url(person)}"' in response.text
    assert "Send privacy confirmation email" in response.text


def test_person_page_hides_the_send_task_without_the_permission(client, person):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(user)
    response = client.get(reverse("contacts:person_detail", args=[person.pk]))
    assert response.status_code == 200
    assert send_url(person) not in response.text


# --- permissions ---------------------------------------------------------------------


def test_user_without_the_permission_gets_403_and_nothing_is_sent(client, person):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(user)
    before = written_rows()
    assert client.get(send_url(person)).status_code == 403
    assert client.post(send_url(person), post_data(person)).status_code == 403
    assert client.get(preview_url(person)).status_code == 403
    response = client.post(
        reverse("confirmations:send_address_add", args=[person.pk]), {"new_address": "new@example.com"}
    )
    assert response.status_code == 403
    assert written_rows() == before


def test_sending_needs_seeing_the_person_too(client, person):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="send_confirmation"))
    client.force_login(user)
    assert client.get(send_url(person)).status_code == 403
    assert client.post(send_url(person), post_data(person)).status_code == 403
    assert not Confirmation.objects.exists()


def test_anonymous_user_is_sent_to_the_login_page(client, person):
    response = client.post(send_url(person), post_data(person))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Confirmation.objects.exists()


# --- the form as first shown ---------------------------------------------------------


def test_form_preselects_default_address_default_template_and_persons_language(client_en, person):
    response = client_en.get(send_url(person))
    form = response.context["form"]
    assert form.initial["recipient"] == "kari@example.com"
    assert form.initial["template"] == default_template().pk
    assert form.initial["language"] == "en"
    assert form.initial["subject"].startswith("Your personal data at")
    assert form.initial["subject"] == form.initial["subject_default"]
    uuid.UUID(form.initial["idempotency_key"])
    assert response.context["preview"].language == "en"
    assert "language-note" not in response.text


def test_form_offers_privacy_templates_only(client_en, person):
    response = client_en.get(send_url(person))
    names = [str(template) for template in response.context["form"].fields["template"].queryset]
    assert "Confirmation - Contact added" in names
    assert "Link renewal" not in names  # not a privacy template


def test_form_notes_when_the_best_language_is_a_fallback(client_en, person):
    person.language = "de"
    person.save()
    response = client_en.get(send_url(person))
    assert response.context["form"].initial["language"] == "nb"  # the template's default language
    assert 'id="language-note"' in response.text


def test_person_without_address_is_told_and_offered_to_add_one(client_en):
    person = PersonFactory()
    response = client_en.get(send_url(person))
    assert 'id="no-address"' in response.text
    assert 'id="send-submit"' not in response.text
    assert 'name="new_address"' in response.text


def test_get_and_preview_write_nothing(client_en, person):
    before = written_rows()
    client_en.get(send_url(person))
    client_en.get(preview_url(person), post_data(person))
    client_en.get(send_url(person), {"new_address": "x@example.com", **post_data(person)})
    assert written_rows() == before


# --- the preview ---------------------------------------------------------------------


def test_changing_language_changes_subject_and_preview_until_the_subject_is_edited(client_en, person):
    english = client_en.get(send_url(person)).context["form"].initial["subject"]

    # Unedited subject: it follows the language.
    data = post_data(person, language="nb", subject=english, subject_default=english)
    response = client_en.get(preview_url(person), data, HTTP_HX_REQUEST="true")
    assert response.context["preview"].language == "nb"
    assert response.context["state"].subject.startswith("Personopplysningene dine hos")
    assert 'id="field-subject" hx-swap-oob="true"' in response.text
    assert "Personopplysningene dine hos" in response.text

    # Edited subject: kept as typed, and the preview shows it literally.
    data = post_data(person, language="nb", subject="Hei {{ x }} & co", subject_default=english)
    response = client_en.get(preview_url(person), data, HTTP_HX_REQUEST="true")
    assert response.context["preview"].subject == "Hei {{ x }} & co"
    assert response.context["state"].subject == "Hei {{ x }} & co"
    assert response.context["state"].subject_default.startswith("Personopplysningene")
    # Same template: the language field is not redrawn.
    assert 'id="field-language"' not in response.text


def test_changing_template_offers_its_languages_and_preselects_the_best(client_en, person):
    other = english_only_template()
    data = post_data(person, template=str(other.pk), language="nb", subject="x", subject_default="x")
    response = client_en.get(preview_url(person), data, HTTP_HX_REQUEST="true")
    assert response.context["state"].languages == ["en"]
    assert response.context["state"].language == "en"
    assert response.context["state"].subject == "Hello Kari"
    assert 'id="field-language" hx-swap-oob="true"' in response.text


def test_preview_of_a_template_without_translation_says_so(client_en, person):
    empty = EmailTemplate.objects.create(key="empty", name="Empty", is_privacy_template=True)
    response = client_en.get(preview_url(person), post_data(person, template=str(empty.pk)))
    assert response.context["preview"] is None
    assert 'id="preview-error"' in response.text


# --- sending -------------------------------------------------------------------------


def test_send_queues_a_manual_confirmation_with_the_chosen_values(
    client_en, person, staff_user, django_capture_on_commit_callbacks
):
    data = post_data(person, recipient="kari.work@example.com", language="nb", subject="Om dine data")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_en.post(send_url(person), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:person_detail", args=[person.pk]) + "#activities"
    confirmation = Confirmation.objects.get()
    assert confirmation.kind == Confirmation.Kind.MANUAL
    assert confirmation.recipient == "kari.work@example.com"
    assert confirmation.language == "nb"
    assert confirmation.subject_override == "Om dine data"
    assert confirmation.requested_by == staff_user
    assert confirmation.idempotency_key == data["idempotency_key"]
    assert confirmation.activity.status == Activity.Status.QUEUED
    assert len(callbacks) == 1
    page = client_en.get(response["Location"])
    assert "kari.work@example.com is queued" in page.text


def test_resubmitted_form_sends_once(client_en, person):
    data = post_data(person)
    client_en.post(send_url(person), data)
    client_en.post(send_url(person), data)
    assert Confirmation.objects.count() == 1
    assert Activity.objects.count() == 1


def test_each_send_with_a_new_form_is_its_own_activity(client_en, person):
    client_en.post(send_url(person), post_data(person))
    client_en.post(send_url(person), post_data(person))
    assert Confirmation.objects.count() == 2
    assert Activity.objects.filter(person=person).count() == 2


def test_send_from_the_dialog_closes_it_and_redraws_the_activities_card(client_en, person):
    response = client_en.post(send_url(person), post_data(person), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "confirmationSent" in response["HX-Trigger"]
    activity = Confirmation.objects.get().activity
    assert 'id="activities" hx-swap-oob="true"' in response.text
    assert f'id="activity-{activity.pk}"' in response.text
    assert 'hx-trigger="every 2s"' in response.text  # the queued entry polls until sent
    assert 'id="send-status" hx-swap-oob="innerHTML"' in response.text


def test_logged_in_user_is_reply_to_when_the_template_says_so(client_en, person, staff_user):
    template = default_template()
    template.sender_mode = EmailTemplate.SenderMode.LOGGED_IN_USER
    template.save()
    client_en.post(send_url(person), post_data(person))
    assert Confirmation.objects.get().reply_to == staff_user.email


def test_default_sender_template_sets_no_reply_to(client_en, person):
    client_en.post(send_url(person), post_data(person))
    assert Confirmation.objects.get().reply_to == ""


def test_rate_limit_answers_beside_the_form_and_sends_nothing_more(client_en, person):
    settings_row = ConfirmationSettings.load()
    settings_row.per_address_hourly_limit = 1
    settings_row.save()
    client_en.post(send_url(person), post_data(person))
    response = client_en.post(send_url(person), post_data(person), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="send-errors"' in response.text
    assert "maximum number of emails this hour" in response.text
    assert "HX-Trigger" not in response
    assert Confirmation.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "Enter a subject."),
        ({"subject": "   "}, "subject", "Enter a subject."),
        ({"subject": "Line one\r\nBcc: evil@example.com"}, "subject", "single line"),
        ({"recipient": "stranger@example.com"}, "recipient", "Select a valid choice"),
        ({"language": "de"}, "language", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_message_beside_the_field_and_nothing_is_sent(client_en, person, overrides, field, message):
    before = written_rows()
    response = client_en.post(send_url(person), post_data(person, **overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors)
    assert f'id="{field}-error"' in response.text
    # The message is tied to its input for screen readers.
    widget_attrs = response.context["form"][field].field.widget.attrs
    assert f"{field}-error" in widget_attrs["aria-describedby"].split()
    assert widget_attrs["aria-invalid"] == "true"
    assert written_rows() == before


def test_template_without_translation_is_refused(client_en, person):
    empty = EmailTemplate.objects.create(key="empty", name="Empty", is_privacy_template=True)
    data = post_data(person, template=str(empty.pk), template_shown=str(empty.pk), language="")
    response = client_en.post(send_url(person), data)
    assert "no translation" in str(response.context["form"].errors["template"])
    assert 'id="template-error"' in response.text
    assert not Confirmation.objects.exists()


def test_no_js_refresh_redraws_without_sending(client_en, person):
    english = client_en.get(send_url(person)).context["form"].initial["subject"]
    data = post_data(person, language="nb", subject=english, subject_default=english, action="refresh")
    response = client_en.post(send_url(person), data)
    assert response.status_code == 200
    assert response.context["form"].initial["subject"].startswith("Personopplysningene")
    assert not Confirmation.objects.exists()


# --- adding an address ---------------------------------------------------------------


def add_url(person) -> str:  # type: ignore[no-untyped-def]
    return reverse("confirmations:send_address_add", args=[person.pk])


def test_added_address_is_saved_on_the_person_and_selected(client_en, person):
    data = post_data(person, new_address="  kari.new@example.com ", subject="Kept", subject_default="x")
    response = client_en.post(add_url(person), data)
    assert response.status_code == 200
    assert person.email_addresses.filter(address="kari.new@example.com").exists()
    form = response.context["form"]
    assert form.initial["recipient"] == "kari.new@example.com"
    assert form.initial["subject"] == "Kept"  # what the user chose so far is kept
    assert form.initial["idempotency_key"] == data["idempotency_key"]
    assert not Confirmation.objects.exists()


def test_malformed_address_is_refused_beside_the_field(client_en, person):
    response = client_en.post(add_url(person), post_data(person, new_address="not-an-address"))
    assert response.status_code == 200
    assert 'id="new-address-error"' in response.text
    assert person.email_addresses.count() == 2


def test_person_without_address_can_get_one_and_then_be_sent_to(client_en):
    person = PersonFactory(language="nb")
    response = client_en.post(add_url(person), {"new_address": "first@example.com"})
    form = response.context["form"]
    assert form.initial["recipient"] == "first@example.com"
    client_en.post(send_url(person), {**post_data(person), **form.initial, "template": form.initial["template"]})
    assert Confirmation.objects.get().recipient == "first@example.com"
