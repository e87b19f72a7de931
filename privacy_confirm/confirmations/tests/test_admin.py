"""Admin for email templates, confirmation settings and sending rules."""

from __future__ import annotations

import html

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.admin import ConsentSourceAdmin
from contacts.models import ConsentSource, Person
from contacts.tests.factories import UserFactory
from privacy_confirm.confirmations.admin import SendingRuleInline
from privacy_confirm.confirmations.models import ConfirmationSettings, EmailTemplate, SendingRule
from privacy_confirm.confirmations.rendering import MERGE_FIELDS
from privacy_confirm.confirmations.tests.templates_support import full_person, organisation_fill, template_with

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:confirmations_emailtemplate_add")


@pytest.fixture
def admin_client_en(admin_client):  # type: ignore[no-untyped-def]
    # Assert on English texts whatever the catalogue holds.
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return admin_client


def template_post(*, subject: str = "Hei {{ person.first_name }}", html_body: str = "<p>Hei</p>", **fields) -> dict:  # type: ignore[no-untyped-def]
    return {
        "name": "Velkommen",
        "key": "velkommen",
        "description": "",
        "is_privacy_template": "on",
        "sender_mode": "default",
        "default_language": "nb",
        "translations-TOTAL_FORMS": "1",
        "translations-INITIAL_FORMS": "0",
        "translations-MIN_NUM_FORMS": "1",
        "translations-MAX_NUM_FORMS": "1000",
        "translations-0-language": "nb",
        "translations-0-subject": subject,
        "translations-0-body_html": html_body,
        "translations-0-body_text": "",
        **fields,
    }


def inline_errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    formset = response.context["inline_admin_formsets"][0].formset
    return [message for form in formset.forms for errors in form.errors.values() for message in errors]


# --- Validation on save ----------------------------------------------------------------


def test_valid_template_is_saved_with_its_translation(admin_client):
    response = admin_client.post(ADD_URL, template_post())

    assert response.status_code == 302
    template = EmailTemplate.objects.get(key="velkommen")
    assert template.translations.get().subject == "Hei {{ person.first_name }}"


def test_syntax_error_is_a_form_error_naming_the_line(admin_client_en):
    response = admin_client_en.post(ADD_URL, template_post(html_body="<p>Hei</p>\n<p>\n{% if %}</p>"))

    assert response.status_code == 200
    assert inline_errors(response) == ["Line 3: Unexpected end of expression in if tag."]
    assert not EmailTemplate.objects.filter(key="velkommen").exists()


def test_unknown_variable_is_a_form_error_naming_the_line(admin_client_en):
    response = admin_client_en.post(ADD_URL, template_post(html_body="<p>Hei</p>\n<p>{{ fornavn }}</p>"))

    assert inline_errors(response) == ["Line 2: unknown merge field “fornavn”"]
    assert "Line 2: unknown merge field" in html.unescape(response.content.decode())


def test_include_in_a_body_is_refused(admin_client_en):
    response = admin_client_en.post(ADD_URL, template_post(html_body="{% include 'base.html' %}"))

    assert inline_errors(response) == [
        "Line 1: Invalid block tag: 'include'. Did you forget to register or load this tag?"
    ]


@pytest.mark.parametrize("subject", ["Hei\r\nBcc: x@example.com", "Hei\nder", "Hei\rder"])
def test_line_break_in_a_subject_is_refused(admin_client_en, subject):
    response = admin_client_en.post(ADD_URL, template_post(subject=subject))

    assert inline_errors(response) == ["The subject must be a single line."]
    assert not EmailTemplate.objects.filter(key="velkommen").exists()


def test_unknown_variable_in_a_subject_is_refused(admin_client_en):
    response = admin_client_en.post(ADD_URL, template_post(subject="Hei {{ navn }}"))

    assert inline_errors(response) == ["Line 1: unknown merge field “navn”"]


def test_template_needs_a_translation(admin_client):
    data = template_post()
    data["translations-TOTAL_FORMS"] = "0"

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 200
    assert not EmailTemplate.objects.filter(key="velkommen").exists()


def test_only_a_privacy_template_can_be_the_default(admin_client):
    data = template_post(is_default="on")
    del data["is_privacy_template"]

    response = admin_client.post(ADD_URL, data)

    assert response.context["adminform"].form.errors["is_default"]


def test_a_new_default_template_replaces_the_old_default(admin_client):
    admin_client.post(ADD_URL, template_post(is_default="on"))

    assert list(EmailTemplate.objects.filter(is_default=True).values_list("key", flat=True)) == ["velkommen"]


def test_template_used_by_a_sending_rule_stays_a_privacy_template(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    url = reverse("admin:confirmations_emailtemplate_change", args=[template.pk])
    page = admin_client.get(url)
    data = {**page.context["adminform"].form.initial}
    data.update({"is_privacy_template": "", "is_default": ""})
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"translations-{key}": value for key, value in formset.management_form.initial.items()})
    for i, form in enumerate(formset.forms):
        data.update({f"translations-{i}-{name}": value for name, value in form.initial.items()})
    data = {key: value for key, value in data.items() if value is not None}

    response = admin_client.post(url, data)

    assert "is_privacy_template" in response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.is_privacy_template


# --- Preview -------------------------------------------------------------------------


def preview_url(template: EmailTemplate) -> str:
    return reverse("admin:confirmations_emailtemplate_preview", args=[template.pk])


def test_change_form_links_to_the_preview_and_the_merge_fields(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    page = admin_client.get(reverse("admin:confirmations_emailtemplate_change", args=[template.pk])).content.decode()

    assert preview_url(template) in page
    assert reverse("admin:confirmations_emailtemplate_merge_fields") in page


def test_preview_shows_subject_sandboxed_html_and_text_for_the_sample_person(admin_client):
    organisation_fill(organisation_name="Nordlys Data AS")
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    response = admin_client.get(preview_url(template))

    assert response.status_code == 200
    email = response.context["email"]
    assert email.language == "nb"
    assert email.subject == "Personopplysningene dine hos Nordlys Data AS"
    assert "Hei Kari," in email.text
    page = response.content.decode()
    assert 'sandbox=""' in page and "srcdoc=" in page
    assert "example-link-for-preview" in email.text
    assert Person.objects.count() == 0


def test_preview_per_language_for_a_chosen_person(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    person = full_person(first_name="Ingvild")

    response = admin_client.get(preview_url(template), {"person": person.pk, "language": "en"})

    email = response.context["email"]
    assert email.language == "en"
    assert "Hello Ingvild," in email.text
    assert "Email: ase@fjordogfjell.example.no, ase.privat@example.com" in email.text


def test_a_template_editor_without_the_right_to_see_persons_previews_only_the_sample(client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    person = full_person(first_name="Ingvild")
    editor = UserFactory(username="editor", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="confirmations", codename__endswith="emailtemplate")
    )
    client.force_login(editor)

    response = client.get(preview_url(template), {"person": person.pk, "language": "en"})

    assert response.status_code == 200
    assert response.context["is_sample"]
    assert "Ingvild" not in response.content.decode()


def test_preview_escapes_the_person_in_the_iframe(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    person = full_person(first_name="<script>alert(1)</script>")

    page = admin_client.get(preview_url(template), {"person": person.pk}).content.decode()

    assert "<script>alert(1)</script>" not in page.replace('<pre class="preview-text"', "")
    # Escaped once for the email's HTML and once more for the srcdoc attribute.
    assert "Hei &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;," in page
    # The text part is shown as text, escaped for the admin page.
    assert "Hei &lt;script&gt;alert(1)&lt;/script&gt;," in page


def test_preview_of_a_broken_translation_shows_the_error(admin_client):
    template = template_with("nb", body_html="{% include 'base.html' %}")

    response = admin_client.get(preview_url(template))

    assert response.status_code == 200
    assert "Invalid block tag" in response.context["error"]


def test_preview_needs_permission(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    assert client.get(preview_url(template)).status_code == 403


def test_preview_changes_nothing(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    person = full_person()
    admin_client.get(preview_url(template), {"person": person.pk})  # warm caches (content types, session)

    with CaptureQueriesContext(connection) as captured:
        admin_client.get(preview_url(template), {"person": person.pk})

    writes = [q["sql"] for q in captured.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


# --- Send a test to me ---------------------------------------------------------------


def send_test_url(template: EmailTemplate) -> str:
    return reverse("admin:confirmations_emailtemplate_send_test", args=[template.pk])


def test_send_test_mails_the_logged_in_user_with_a_dummy_link(admin_client, admin_user):
    organisation_fill(organisation_name="Nordlys Data AS")
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    response = admin_client.post(send_test_url(template), {"language": "en"})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [admin_user.email]
    assert message.subject == "[Test] Your personal data at Nordlys Data AS"
    assert "example-link-for-preview" in message.body
    assert "Hello Kari," in message.body
    (html_part, mimetype) = message.alternatives[0]
    assert mimetype == "text/html" and "example-link-for-preview" in html_part


def test_send_test_uses_the_chosen_person(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    person = full_person(first_name="Ingvild")

    admin_client.post(send_test_url(template), {"language": "nb", "person": person.pk})

    assert "Hei Ingvild," in mail.outbox[0].body


def test_send_test_is_post_only(admin_client):
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    assert admin_client.get(send_test_url(template)).status_code == 405
    assert mail.outbox == []


def test_send_test_without_an_email_address_sends_nothing(admin_client_en, admin_user):
    admin_user.email = ""
    admin_user.save()
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    response = admin_client_en.post(send_test_url(template), {"language": "nb"}, follow=True)

    assert mail.outbox == []
    assert "Your user has no email address" in response.content.decode()


def test_send_test_needs_change_permission(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_emailtemplate"))
    client.force_login(user)
    template = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)

    assert client.get(preview_url(template)).status_code == 200
    assert client.post(send_test_url(template), {"language": "nb"}).status_code == 403
    assert mail.outbox == []


# --- Merge fields --------------------------------------------------------------------


def test_merge_field_page_lists_every_field_with_an_example(admin_client):
    response = admin_client.get(reverse("admin:confirmations_emailtemplate_merge_fields"))

    page = response.content.decode()
    for field in MERGE_FIELDS:
        assert f"{{{{ {field.name} }}}}" in page
    examples = {field.name: example for field, example in response.context["fields"]}
    assert examples["person.company"] == "Fjord & Fjell AS"
    assert "Fjord &amp; Fjell AS" in page
    assert examples["link.url"].startswith("http")
    assert all(examples[name] for name in ("person.full_name", "organisation.name", "link.expires", "today"))


# --- Confirmation settings and sending rules -----------------------------------------


def test_confirmation_settings_list_opens_the_single_row(admin_client):
    response = admin_client.get(reverse("admin:confirmations_confirmationsettings_changelist"))

    assert response.status_code == 302
    assert response.url == reverse("admin:confirmations_confirmationsettings_change", args=[1])
    assert admin_client.get(response.url).status_code == 200


def test_confirmation_settings_cannot_be_added_twice_or_deleted(admin_client):
    assert admin_client.get(reverse("admin:confirmations_confirmationsettings_add")).status_code == 403
    assert admin_client.get(reverse("admin:confirmations_confirmationsettings_delete", args=[1])).status_code == 403
    assert ConfirmationSettings.objects.count() == 1


def test_consent_source_admin_is_the_contacts_one_with_the_sending_rule(admin_client):
    model_admin = admin.site._registry[ConsentSource]

    assert isinstance(model_admin, ConsentSourceAdmin)
    assert SendingRuleInline in model_admin.inlines


def test_sending_rule_is_edited_on_the_source_page(admin_client):
    source = ConsentSource.objects.get(key=ConsentSource.CHAT)
    renewal = EmailTemplate.objects.get(key=EmailTemplate.LINK_RENEWAL)
    default = EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)
    url = reverse("admin:contacts_consentsource_change", args=[source.pk])
    page = admin_client.get(url)
    choices = [
        value
        for value, _label in page.context["inline_admin_formsets"][0].formset.empty_form.fields["template"].choices
    ]
    assert renewal.pk not in [getattr(v, "value", v) for v in choices]  # only privacy templates

    response = admin_client.post(
        url,
        {
            "key": source.key,
            "name": source.name,
            "name_translations": '{"nb": "Chat"}',
            "description": "",
            "rank": source.rank,
            "active": "on",
            "sending_rule-TOTAL_FORMS": "1",
            "sending_rule-INITIAL_FORMS": "0",
            "sending_rule-MIN_NUM_FORMS": "0",
            "sending_rule-MAX_NUM_FORMS": "1",
            "sending_rule-0-template": default.pk,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert SendingRule.objects.get(source=source).template == default


def test_source_list_shows_which_template_each_source_sends(admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = admin_client.get(reverse("admin:contacts_consentsource_changelist"))

    page = response.content.decode()
    assert page.count("Confirmation - Contact added") == 3
