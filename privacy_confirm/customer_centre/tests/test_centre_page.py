"""The page behind a personal link: what it shows, in which language, and that reading it
changes nothing (mail scanners open every link)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import formats, timezone, translation

from contacts.models import Activity, OrganisationSettings, Purpose, SubscriptionType
from contacts.tests.factories import EmailAddressFactory
from privacy_confirm.confirmations.links import personal_links_revoke
from privacy_confirm.confirmations.models import ConfirmationSettings
from privacy_confirm.customer_centre import views
from privacy_confirm.customer_centre.tests.conftest import centre_for, person_with_records

pytestmark = pytest.mark.django_db

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def test_page_shows_what_is_stored_why_and_who_is_responsible(client, centre):
    organisation = OrganisationSettings.load()
    organisation.organisation_name = "Nordlys Handel AS"
    organisation.dpo_name = "Per Personvern"
    organisation.dpo_email = "personvern@nordlys.example.no"
    organisation.retention_text_translations = {"nb": "Vi sletter opplysningene senest 24 måneder etter siste kontakt."}
    organisation.save()

    response = client.get(centre.url)

    assert response.status_code == 200
    page = response.content.decode()
    for fact in (
        "Åse Bjørnstad",
        "Innkjøpssjef",
        "Fjord &amp; Fjell AS",
        "+47 912 34 567",
        "aase@fjordogfjell.example.no",
        "aase.privat@example.com",
        "Nordlys Handel AS",
        "Per Personvern",
        "personvern@nordlys.example.no",
        "Datatilsynet",
        "Vi sletter opplysningene senest 24 måneder etter siste kontakt.",
    ):
        assert fact in page, fact
    # Each purpose with its legal basis and customer-centre description, in Norwegian.
    assert "Salg og service" in page
    assert "Avtale" in page
    assert "E-markedsføring" in page
    assert "Berettiget interesse" in page
    assert "Vi bruker e-postadressen din til å sende deg nyheter" in page
    assert "Nyhetsbrev" in page


def test_page_is_in_the_persons_language_with_a_switch_to_the_other(client, db):
    english = centre_for(person_with_records(first_name="John", language="en"))
    norwegian = centre_for(person_with_records(first_name="Kari", language="nn"))

    assert "What we store about you" in client.get(english.url).content.decode()
    page = client.get(norwegian.url).content.decode()
    assert "Dette lagrer vi om deg" in page
    assert '<html lang="nb">' in page
    assert f'href="/privacy/{norwegian.token}/?lang=en"' in page

    switched = client.get(norwegian.url + "?lang=en")
    assert "What we store about you" in switched.content.decode()
    assert switched["Content-Language"] == "en"


def test_link_validity_is_shown_as_the_last_local_day(client, centre):
    last_day = timezone.localtime(centre.link.expires_at).date()
    response = client.get(centre.url)
    with translation.override("nb"):
        shown = formats.date_format(last_day, "DATE_FORMAT")
    assert last_day == timezone.localdate() + timedelta(days=21)
    assert f"Denne personlige lenken virker ut {shown}." in response.content.decode()


def test_get_and_head_write_nothing(client, centre, assert_no_writes):
    # No session, no cookie jar: exactly what a mail scanner brings.
    with assert_no_writes():
        assert client.get(centre.url).status_code == 200
        assert client.head(centre.url).status_code == 200
        assert client.get(centre.url + "?lang=en&done=consent_given").status_code == 200
        assert client.get("/privacy/not-a-token/").status_code == 404
        assert client.head("/privacy/not-a-token/").status_code == 404
        assert client.get("/privacy/").status_code == 200


def test_the_page_writes_nothing_even_without_an_organisation_row(client, centre, assert_no_writes):
    OrganisationSettings.objects.all().delete()
    with assert_no_writes():
        response = client.get(centre.url)
    assert response.status_code == 200
    assert not OrganisationSettings.objects.exists()


def test_changes_are_not_reachable_by_get(client, centre):
    for path in ("consents/EMARKETING/", "subscriptions/", "requests/"):
        assert client.get(centre.url + path).status_code == 405


def test_page_is_not_cached_or_indexed_and_keeps_the_referrer_policy(client, centre):
    for url in (centre.url, "/privacy/unknown/", "/privacy/"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
        assert '<meta name="robots" content="noindex' in response.content.decode()
        # no-referrer would make browsers send "Origin: null", which fails the CSRF check.
        assert response["Referrer-Policy"] == "same-origin"


def test_every_form_on_the_page_posts_with_a_csrf_token(client, centre):
    page = client.get(centre.url).content.decode()
    forms = re.findall(r"<form[^>]*>.*?</form>", page, flags=re.DOTALL)
    assert len(forms) >= 4
    for form in forms:
        assert 'method="post"' in form
        assert "csrfmiddlewaretoken" in form


def test_another_persons_token_never_shows_this_persons_data(client, centre):
    other = centre_for(person_with_records(first_name="Bjarne", last_name="Olsen"))

    page = client.get(other.url).content.decode()

    assert "Bjarne Olsen" in page
    assert "Bjørnstad" not in page
    assert "aase@fjordogfjell.example.no" not in page
    assert centre.token not in page


def test_contract_purpose_is_read_only_with_an_explanation(client, centre):
    page = client.get(centre.url + "?lang=en").content.decode()
    store = re.search(r'<article class="purpose" id="purpose-STORE".*?</article>', page, flags=re.DOTALL).group(0)
    emarketing = re.search(r'<article class="purpose" id="purpose-EMARKETING".*?</article>', page, re.DOTALL).group(0)

    assert "<form" not in store
    assert "fulfil our agreement with you" in store
    assert "<form" in emarketing
    assert "Say no to this" in emarketing


def test_purpose_not_given_shows_its_approval_text_and_privacy_statement(client, db):
    from contacts.models import Purpose, PurposeTranslation

    PurposeTranslation.objects.filter(purpose__key=Purpose.EMARKETING, language="nb").update(
        privacy_statement_url="https://nordlys.example.no/personvern"
    )
    person = person_with_records()
    person.consents.filter(purpose__key=Purpose.EMARKETING).delete()
    page = client.get(centre_for(person).url).content.decode()

    emarketing = re.search(r'id="purpose-EMARKETING".*?</article>', page, flags=re.DOTALL).group(0)
    assert "Ja, jeg vil motta nyheter, tilbud og invitasjoner på e-post." in emarketing
    assert 'href="https://nordlys.example.no/personvern"' in emarketing
    assert "Gi samtykke" in emarketing


def test_expired_revoked_and_unknown_links_get_one_and_the_same_page(client, db):
    expired = centre_for(person_with_records(first_name="Eva"))
    expired.link.expires_at = timezone.now() - timedelta(seconds=1)
    expired.link.save()
    revoked = centre_for(person_with_records(first_name="Rolf"))
    personal_links_revoke(person=revoked.person)

    responses = [client.get(url) for url in (expired.url, revoked.url, "/privacy/" + "x" * 43 + "/")]

    assert {r.status_code for r in responses} == {404}
    bodies = {CSRF_TOKEN.sub("", r.content.decode()) for r in responses}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "Eva" not in body and "Rolf" not in body
    assert 'action="/privacy/"' in body
    assert 'type="email"' in body


OSLO = ZoneInfo("Europe/Oslo")


@pytest.mark.parametrize(
    ("validity_days", "sent", "last_day"),
    [
        # The default 21 days: all of 25 December, Oslo time.
        (21, datetime(2026, 12, 4, 9, 30, tzinfo=OSLO), date(2026, 12, 25)),
        # Sent late in the evening, across the switch to summer time (29 March 2026): the
        # local day counts, not the UTC day or a fixed number of hours.
        (3, datetime(2026, 3, 27, 23, 30, tzinfo=OSLO), date(2026, 3, 30)),
    ],
)
def test_a_link_works_until_the_end_of_its_last_local_day_and_not_after(client, db, validity_days, sent, last_day):
    settings_row = ConfirmationSettings.load()
    settings_row.link_validity_days = validity_days
    settings_row.save()
    with mock.patch("django.utils.timezone.now", return_value=sent.astimezone(UTC)):
        centre = centre_for(person_with_records())

    end = datetime.combine(last_day, time(0, 0), tzinfo=OSLO)
    for moment, status in (
        (end, 200),
        (end + timedelta(hours=23, minutes=59, seconds=59), 200),
        (datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=OSLO), 404),
    ):
        with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(UTC)):
            assert client.get(centre.url).status_code == status, moment


def test_the_page_costs_a_fixed_number_of_queries(client, centre, django_assert_num_queries):
    with django_assert_num_queries(11):
        client.get(centre.url)
    for n in range(3):
        SubscriptionType.objects.create(key=f"EXTRA{n}", name=f"Extra {n}")
        Purpose.objects.create(key=f"EXTRA{n}", name=f"Extra {n}")
        EmailAddressFactory(person=centre.person)
    centre.person.activities.create(kind=Activity.Kind.ACCESS_REQUEST, status=Activity.Status.OPEN)
    with django_assert_num_queries(11):
        response = client.get(centre.url)
    assert "Extra 2" in response.content.decode()


def test_public_pages_are_rate_limited_per_ip(centre, monkeypatch):
    monkeypatch.setattr(views, "PAGE_LIMIT_PER_IP", (3, 600))
    first, second = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")

    statuses = [first.get(centre.url).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert second.get(centre.url).status_code == 200
