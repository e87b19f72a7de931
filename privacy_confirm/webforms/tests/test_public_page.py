"""The public page: embeddable on the allowed origins only, in the form's language, no cookies."""

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import Purpose
from privacy_confirm.webforms.models import FieldMode
from privacy_confirm.webforms.tests.factories import WebFormFactory, WebFormPurposeFactory

pytestmark = pytest.mark.django_db


def test_page_may_be_framed_by_the_allowed_origins_only(client, webform):
    webform.allowed_origins = "https://www.fjordogfjell.example.no\nhttp://localhost:8001/"
    webform.save()
    response = client.get(webform.get_absolute_url())
    assert response.status_code == 200
    assert "X-Frame-Options" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://www.fjordogfjell.example.no http://localhost:8001")
    assert "form-action 'self'" in csp


def test_form_without_origins_can_only_be_framed_by_its_own_site(client):
    webform = WebFormFactory(allowed_origins="")
    response = client.get(webform.get_absolute_url())
    assert response.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_page_and_thank_you_page_set_no_cookies(client, webform):
    response = client.get(webform.get_absolute_url())
    assert not response.cookies
    response = client.get(reverse("webforms:thanks", kwargs={"slug": webform.slug}))
    assert not response.cookies
    assert "Content-Security-Policy" in response.headers
    assert "Takk for påmeldingen!" in response.content.decode()


def test_page_is_in_the_form_language_whatever_the_browser_asks_for(client, webform):
    response = client.get(webform.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.headers["Content-Language"] == "nb"
    assert '<html lang="nb">' in html
    assert "Fornavn" in html
    assert "Jeg godtar at kontaktopplysningene mine lagres for salg og service." in html
    assert 'href="https://www.example.org/personvern"' in html
    assert "Personvernerklæring" in html
    assert "Nyhetsbrev" in html


def test_english_form_is_in_english(client):
    webform = WebFormFactory(language="en", company=FieldMode.HIDDEN)
    WebFormPurposeFactory(webform=webform, purpose=Purpose.objects.get(key=Purpose.EMARKETING))
    html = client.get(webform.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "First name" in html
    assert "Yes, I want to receive news, offers and invitations by email." in html
    assert 'name="company"' not in html


def test_page_shows_only_the_fields_the_form_asks_for(client):
    webform = WebFormFactory(
        first_name=FieldMode.HIDDEN, last_name=FieldMode.HIDDEN, phone=FieldMode.REQUIRED, company=FieldMode.HIDDEN
    )
    html = client.get(webform.get_absolute_url()).content.decode()
    assert 'name="first_name"' not in html
    assert 'name="company"' not in html
    assert 'name="phone"' in html
    assert 'name="email"' in html


def test_honeypot_is_hidden_from_people_and_screen_readers(client, webform):
    html = client.get(webform.get_absolute_url()).content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'name="website" id="id_website" value="" tabindex="-1" autocomplete="off"' in html


def test_inactive_form_says_it_is_closed(client, webform):
    webform.active = False
    webform.save()
    response = client.get(webform.get_absolute_url())
    assert response.status_code == 404
    assert "Skjemaet er stengt" in response.content.decode()


def test_link_checkers_may_head_the_pages(client, webform):
    assert client.head(webform.get_absolute_url()).status_code == 200
    assert client.head(reverse("webforms:thanks", kwargs={"slug": webform.slug})).status_code == 200
    assert client.put(webform.get_absolute_url()).status_code == 405


def test_unknown_form_is_not_found(client, db):
    assert client.get(reverse("webforms:form", kwargs={"slug": "finnes-ikke"})).status_code == 404


def test_page_costs_a_fixed_number_of_queries(client, webform, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(webform.get_absolute_url())
    assert response.status_code == 200


def test_post_needs_no_csrf_token(webform):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        webform.get_absolute_url(),
        {"email": "ny@example.no", "first_name": "Nora", "purposes": [webform.form_purposes.first().purpose_id]},
    )
    assert response.status_code == 302
