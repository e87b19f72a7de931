"""Administrators define forms and find each form's address, embed code and submission count."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.tests.factories import PersonFactory, UserFactory
from privacy_confirm.webforms.admin import embed_snippet
from privacy_confirm.webforms.models import WebForm, WebFormSubmission, validate_origins
from privacy_confirm.webforms.tests.factories import WebFormFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_form_list_shows_public_address_and_number_of_submissions(
    admin_client, settings, django_assert_max_num_queries
):
    settings.SITE_URL = "https://crm.example.org"
    counted = WebFormFactory(name="Nyhetsbrev", slug="nyhetsbrev")
    for _ in range(3):
        WebFormSubmission.objects.create(webform=counted, person=PersonFactory(), created_person=True)
    for _ in range(20):
        WebFormFactory()
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("admin:webforms_webform_changelist"))
    html = response.content.decode()
    assert 'href="https://crm.example.org/forms/nyhetsbrev/"' in html
    row = next(line for line in html.split("<tr") if "nyhetsbrev/" in line and "Nyhetsbrev<" in line)
    assert '<td class="field-submission_count">3</td>' in row


def test_form_page_shows_the_code_to_embed_it(admin_client, settings):
    settings.SITE_URL = "https://crm.example.org"
    webform = WebFormFactory(slug="kurs", heading="Meld deg på kurset")
    response = admin_client.get(reverse("admin:webforms_webform_change", args=[webform.pk]))
    html = response.content.decode()
    assert "&lt;iframe src=&quot;https://crm.example.org/forms/kurs/&quot; title=&quot;Meld deg på kurset&quot;" in html
    assert "<textarea readonly" in html


def test_embed_snippet_stays_valid_html_whatever_the_heading(settings):
    settings.SITE_URL = "https://crm.example.org"
    snippet = embed_snippet(WebForm(slug="a", name="A", heading='Fjord & "Fjell"'))
    assert snippet.startswith('<iframe src="https://crm.example.org/forms/a/" title="Fjord &amp; &quot;Fjell&quot;"')


def test_admin_creates_a_form_with_purposes_and_subscriptions(admin_client):
    from contacts.models import Purpose, SubscriptionType

    store = Purpose.objects.get(key=Purpose.STORE)
    newsletter = SubscriptionType.objects.get(key="NEWSLETTER")
    response = admin_client.post(
        reverse("admin:webforms_webform_add"),
        {
            "name": "Messe 2027",
            "slug": "messe-2027",
            "language": "en",
            "active": "on",
            "heading": "",
            "intro_text": "",
            "thank_you_text": "Thanks!",
            "first_name": "required",
            "last_name": "optional",
            "title": "hidden",
            "company": "optional",
            "phone": "hidden",
            "subscription_types": [newsletter.pk],
            "allowed_origins": "https://www.example.org\nhttps://*.example.net",
            "form_purposes-TOTAL_FORMS": "1",
            "form_purposes-INITIAL_FORMS": "0",
            "form_purposes-0-purpose": store.pk,
            "form_purposes-0-required": "on",
            "form_purposes-0-show_privacy_statement": "on",
            "form_purposes-0-rank": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    webform = WebForm.objects.get(slug="messe-2027")
    assert webform.origins() == ["https://www.example.org", "https://*.example.net"]
    assert list(webform.subscription_types.all()) == [newsletter]
    assert webform.form_purposes.get().required


@pytest.mark.parametrize(
    "origins",
    [
        "https://www.example.org/contact",
        "www.example.org",
        "https://example.org; script-src *",
        "https://example.org 'unsafe-inline'",
        "javascript://example.org",
        "*",
    ],
)
def test_allowed_origins_must_be_plain_origins(origins):
    with pytest.raises(ValidationError):
        validate_origins(origins)


def test_allowed_origins_accept_ports_wildcard_subdomains_and_a_trailing_slash():
    validate_origins("http://localhost:8001\nhttps://*.example.org\nhttps://www.example.org/\n\n")


def test_submissions_are_listed_read_only_with_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    webform = WebFormFactory(name="Nyhetsbrev")
    for n in range(15):
        WebFormSubmission.objects.create(
            webform=webform, person=PersonFactory(first_name=f"Nora{n}"), created_person=True
        )
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:webforms_webformsubmission_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count("Nora") >= 15
    submission = WebFormSubmission.objects.first()
    change_url = reverse("admin:webforms_webformsubmission_change", args=[submission.pk])
    assert admin_client.post(change_url, {"created_person": "off"}).status_code == 403
