"""What the person changes in the customer centre: every change is a POST with CSRF, goes
into the consent ledger with evidence, and leaves one Activity that sums it up."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from contacts.models import Activity, Consent, ConsentEvent, ConsentSource, LegalBasis, Purpose, Subscription
from privacy_confirm.confirmations.links import personal_links_revoke
from privacy_confirm.customer_centre.tests.conftest import centre_for, person_with_records

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148"


@pytest.fixture
def person_client() -> Client:
    return Client(REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT=BROWSER)


def _events(person, **filters):  # type: ignore[no-untyped-def]
    return list(ConsentEvent.objects.filter(person=person, **filters).order_by("id"))


def _changes(person):  # type: ignore[no-untyped-def]
    return list(person.activities.filter(kind=Activity.Kind.CONSENT_CHANGE))


def test_withdrawing_emarketing_is_in_the_ledger_with_evidence_and_one_activity(person_client, centre):
    before = len(_events(centre.person))

    response = person_client.post(centre.url + "consents/EMARKETING/", {"action": "withdraw", "lang": "nb"})

    assert response.status_code == 303
    assert response["Location"].startswith(centre.url + "?")
    consent = Consent.objects.get(person=centre.person, purpose__key=Purpose.EMARKETING)
    assert consent.legal_basis.key == LegalBasis.WITHDRAWN
    (event,) = _events(centre.person)[before:]
    assert event.purpose.key == Purpose.EMARKETING
    assert event.legal_basis_before.key == LegalBasis.LEGITIMATE_INTEREST
    assert event.legal_basis_after.key == LegalBasis.WITHDRAWN
    assert event.source.key == ConsentSource.CUSTOMER_PORTAL
    assert event.actor_type == ConsentEvent.Actor.PERSON
    assert event.actor_user is None
    assert event.ip_address == "198.51.100.23"
    assert event.user_agent == BROWSER
    # What the person was shown, in the language they saw it in.
    assert event.approval_text == "Ja, jeg vil motta nyheter, tilbud og invitasjoner på e-post."
    (activity,) = _changes(centre.person)
    assert activity.direction == Activity.Direction.INCOMING
    assert activity.created_by is None
    assert "E-markedsføring" in activity.subject
    assert "Berettiget interesse → Trukket tilbake" in activity.body_text
    assert "198.51.100.23" in activity.body_text


def test_the_person_sees_that_the_withdrawal_was_done(person_client, centre):
    response = person_client.post(
        centre.url + "consents/EMARKETING/", {"action": "withdraw", "lang": "en"}, follow=True
    )
    page = response.content.decode()
    # Shown inside the section the redirect lands on, so a phone user sees it.
    assert response.redirect_chain[-1][0].endswith("#purposes")
    purposes = re.search(r'<section class="card"[^>]*id="purposes">.*?</section>', page, flags=re.DOTALL).group(0)
    assert "We no longer use your data for this purpose." in purposes
    assert page.count('id="done"') == 1
    assert "Withdrawn" in purposes


def test_giving_consent_sets_the_legal_basis_consent_and_records_the_privacy_statement(person_client, db):
    Purpose.objects.filter(key=Purpose.EMARKETING).update(privacy_statement_url="https://example.org/privacy")
    person = person_with_records(language="en")
    centre = centre_for(person)
    person_client.post(centre.url + "consents/EMARKETING/", {"action": "withdraw"})

    person_client.post(centre.url + "consents/EMARKETING/", {"action": "give", "lang": "en"})

    consent = Consent.objects.get(person=person, purpose__key=Purpose.EMARKETING)
    assert consent.legal_basis.key == LegalBasis.CONSENT
    event = _events(person)[-1]
    assert event.legal_basis_after.key == LegalBasis.CONSENT
    assert event.approval_text == "Yes, I want to receive news, offers and invitations by email."
    assert event.privacy_statement_url == "https://example.org/privacy"
    assert len(_changes(person)) == 2


def test_a_contract_purpose_cannot_be_withdrawn(person_client, centre):
    events, activities = len(_events(centre.person)), centre.person.activities.count()

    response = person_client.post(centre.url + "consents/STORE/", {"action": "withdraw", "lang": "en"})

    assert response.status_code == 403
    assert "This cannot be changed here." in response.content.decode()
    consent = Consent.objects.get(person=centre.person, purpose__key=Purpose.STORE)
    assert consent.legal_basis.key == LegalBasis.CONTRACT
    assert len(_events(centre.person)) == events
    assert centre.person.activities.count() == activities


@pytest.mark.parametrize("basis", [LegalBasis.LEGAL_OBLIGATION, LegalBasis.VITAL_INTERESTS])
def test_other_non_consent_bases_cannot_be_changed_either(person_client, centre, basis):
    Consent.objects.filter(person=centre.person, purpose__key=Purpose.EMARKETING).update(
        legal_basis=LegalBasis.objects.get(key=basis)
    )
    response = person_client.post(centre.url + "consents/EMARKETING/", {"action": "give"})
    assert response.status_code == 403
    assert Consent.objects.get(person=centre.person, purpose__key=Purpose.EMARKETING).legal_basis.key == basis


def test_an_inactive_or_unknown_purpose_is_refused(person_client, centre):
    Purpose.objects.filter(key=Purpose.EMARKETING).update(active=False)
    assert person_client.post(centre.url + "consents/EMARKETING/", {"action": "withdraw"}).status_code == 403
    assert person_client.post(centre.url + "consents/NOPE/", {"action": "give"}).status_code == 403
    assert person_client.post(centre.url + "consents/STORE/", {"action": "delete"}).status_code == 400


def test_asking_for_what_is_already_so_writes_nothing(person_client, centre):
    events = len(_events(centre.person))
    response = person_client.post(centre.url + "consents/EMARKETING/", {"action": "give"})
    assert response.status_code == 303
    assert "done=unchanged" in response["Location"]
    assert len(_events(centre.person)) == events
    assert not _changes(centre.person)


def test_unsubscribing_from_one_subscription_keeps_the_other(person_client, centre):
    person_client.post(centre.url + "subscriptions/", {"shown": ["NEWSLETTER", "EVENTS"], "subscribed": ["EVENTS"]})

    subscribed = dict(
        Subscription.objects.filter(person=centre.person).values_list("subscription_type__key", "subscribed")
    )
    assert subscribed == {"NEWSLETTER": False, "EVENTS": True}
    (event,) = _events(centre.person, subscription_type__isnull=False, source__key=ConsentSource.CUSTOMER_PORTAL)
    assert (event.subscribed_before, event.subscribed_after) == (True, False)
    assert event.actor_type == ConsentEvent.Actor.PERSON
    assert (event.ip_address, event.user_agent) == ("198.51.100.23", BROWSER)
    (activity,) = _changes(centre.person)
    assert "Nyhetsbrev: abonnerer → abonnerer ikke" in activity.body_text


def test_unsubscribe_from_all_writes_an_event_per_type_and_one_activity(person_client, centre):
    response = person_client.post(centre.url + "subscriptions/", {"action": "unsubscribe_all"})

    assert "done=unsubscribed_all" in response["Location"]
    assert not Subscription.objects.filter(person=centre.person, subscribed=True).exists()
    events = _events(centre.person, source__key=ConsentSource.CUSTOMER_PORTAL)
    assert len(events) == 2
    assert {e.subscription_type.key for e in events} == {"NEWSLETTER", "EVENTS"}
    assert len(_changes(centre.person)) == 1


def test_a_type_the_page_did_not_show_is_left_alone(person_client, centre):
    person_client.post(centre.url + "subscriptions/", {"shown": ["NEWSLETTER"], "subscribed": []})
    assert Subscription.objects.get(person=centre.person, subscription_type__key="EVENTS").subscribed


def test_requests_for_a_copy_and_for_erasure_are_open_activities_and_delete_nothing(person_client, centre):
    response = person_client.post(centre.url + "requests/", {"kind": "access", "lang": "en"}, follow=True)
    person_client.post(centre.url + "requests/", {"kind": "erasure"})
    person_client.post(centre.url + "requests/", {"kind": "erasure"})  # a double click

    requests = centre.person.activities.filter(
        kind__in=[Activity.Kind.ACCESS_REQUEST, Activity.Kind.ERASURE_REQUEST]
    ).order_by("id")
    assert [(a.kind, a.status) for a in requests] == [
        (Activity.Kind.ACCESS_REQUEST, Activity.Status.OPEN),
        (Activity.Kind.ERASURE_REQUEST, Activity.Status.OPEN),
    ]
    assert "198.51.100.23" in requests[0].body_text
    assert "We have received your request for a copy of your data." in response.content.decode()
    # Nothing is erased automatically.
    centre.person.refresh_from_db()
    assert centre.person.email_addresses.count() == 2
    assert centre.person.phone == "+47 912 34 567"
    page = person_client.get(centre.url + "?lang=en").content.decode()
    assert "Request for erasure: received" in page
    assert "we answer by" in page
    assert person_client.post(centre.url + "requests/", {"kind": "export"}).status_code == 400


def test_a_post_without_csrf_token_is_refused(centre):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(centre.url + "consents/EMARKETING/", {"action": "withdraw"})
    assert response.status_code == 403
    assert Consent.objects.get(person=centre.person, purpose__key=Purpose.EMARKETING).legal_basis.key == "61F"


def test_the_page_form_posts_with_its_csrf_token_and_same_origin_referer(centre):
    """The way a browser does it: cookie from the GET, token from the form."""
    import re

    strict = Client(enforce_csrf_checks=True)
    page = strict.get(centre.url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = strict.post(centre.url + "consents/EMARKETING/", {"action": "withdraw", "csrfmiddlewaretoken": token})
    assert response.status_code == 303


def test_a_revoked_link_changes_nothing(person_client, centre):
    personal_links_revoke(person=centre.person)
    events = len(_events(centre.person))

    response = person_client.post(centre.url + "consents/EMARKETING/", {"action": "withdraw"})

    assert response.status_code == 404
    assert "Denne lenken virker ikke lenger" in response.content.decode()
    assert len(_events(centre.person)) == events


def test_a_token_changes_only_its_own_person(person_client, centre):
    other = centre_for(person_with_records(first_name="Bjarne"))

    person_client.post(other.url + "consents/EMARKETING/", {"action": "withdraw"})
    person_client.post(other.url + "subscriptions/", {"action": "unsubscribe_all"})

    assert Consent.objects.get(person=centre.person, purpose__key=Purpose.EMARKETING).legal_basis.key == "61F"
    assert Subscription.objects.filter(person=centre.person, subscribed=True).count() == 2
    assert not _changes(centre.person)
    assert len(_changes(other.person)) == 2
