"""Submitting a form: what is written for a new address, an address on file, and bad input."""

import pytest
from django.urls import reverse

from contacts import services as contacts_services
from contacts.models import (
    Activity,
    Company,
    Consent,
    ConsentEvent,
    ConsentSource,
    EmailAddress,
    LegalBasis,
    Person,
    Purpose,
    Subscription,
    SubscriptionType,
)
from contacts.signals import person_registered
from contacts.tests.factories import CompanyFactory, EmailAddressFactory, PersonFactory
from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.webforms.models import WebFormSubmission

pytestmark = pytest.mark.django_db

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Test"


def purpose(key):
    return Purpose.objects.get(key=key)


def post(client, webform, **data):
    values = {
        "email": "nora.berg@example.no",
        "first_name": "Nora",
        "last_name": "Berg",
        "company": "Fjord & Fjell AS",
        "purposes": [purpose(Purpose.STORE).pk, purpose(Purpose.EMARKETING).pk],
        "subscriptions": [SubscriptionType.objects.get(key="NEWSLETTER").pk],
        "website": "",
        **data,
    }
    return client.post(webform.get_absolute_url(), values, HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR="203.0.113.7")


def nothing_written():
    return not (
        Person.objects.exists()
        or EmailAddress.objects.exists()
        or Company.objects.exists()
        or Consent.objects.exists()
        or ConsentEvent.objects.exists()
        or Subscription.objects.exists()
        or WebFormSubmission.objects.exists()
        or Confirmation.objects.exists()
        or Activity.objects.exists()
    )


def test_new_address_registers_the_person_with_consents_subscriptions_and_evidence(client, webform):
    response = post(client, webform)

    assert response.status_code == 302
    assert response.url == reverse("webforms:thanks", kwargs={"slug": webform.slug})
    person = Person.objects.get()
    assert (person.first_name, person.last_name, person.language) == ("Nora", "Berg", "nb")
    assert person.source.key == ConsentSource.WEB_FORM
    assert person.registered_by is None
    assert person.company.name == "Fjord & Fjell AS"
    assert [a.address for a in person.email_addresses.all()] == ["nora.berg@example.no"]
    consents = {c.purpose.key: c.legal_basis.key for c in person.consents.select_related("purpose", "legal_basis")}
    assert consents == {Purpose.STORE: LegalBasis.CONSENT, Purpose.EMARKETING: LegalBasis.CONSENT}
    store_event = ConsentEvent.objects.get(person=person, purpose__key=Purpose.STORE)
    assert store_event.legal_basis_before is None
    assert store_event.legal_basis_after.key == LegalBasis.CONSENT
    assert store_event.actor_type == ConsentEvent.Actor.PERSON
    assert store_event.source.key == ConsentSource.WEB_FORM
    assert store_event.ip_address == "203.0.113.7"
    assert store_event.user_agent == USER_AGENT
    assert store_event.approval_text == "Jeg godtar at kontaktopplysningene mine lagres for salg og service."
    assert store_event.privacy_statement_url == "https://www.example.org/personvern"
    assert store_event.comment == f"Web form: {webform.name}"
    marketing_event = ConsentEvent.objects.get(person=person, purpose__key=Purpose.EMARKETING)
    assert marketing_event.approval_text == "Ja, jeg vil motta nyheter, tilbud og invitasjoner på e-post."
    assert marketing_event.privacy_statement_url == ""  # the purpose has none, so none was shown
    subscription = person.subscriptions.get()
    assert subscription.subscription_type.key == "NEWSLETTER" and subscription.subscribed
    subscription_event = ConsentEvent.objects.get(person=person, subscription_type__isnull=False)
    assert subscription_event.subscribed_after is True
    assert subscription_event.ip_address == "203.0.113.7"
    assert ConsentEvent.objects.count() == 3
    submission = WebFormSubmission.objects.get()
    assert (submission.webform, submission.person, submission.created_person) == (webform, person, True)
    # The confirmations app queues the automatic email for source Web form in the same transaction.
    confirmation = Confirmation.objects.get(person=person)
    assert (confirmation.kind, confirmation.recipient) == (Confirmation.Kind.AUTOMATIC, "nora.berg@example.no")
    assert confirmation.activity.person == person


def test_unticked_optional_consent_and_subscription_are_not_recorded(client, webform):
    post(client, webform, purposes=[purpose(Purpose.STORE).pk], subscriptions=[])
    person = Person.objects.get()
    assert [c.purpose.key for c in person.consents.all()] == [Purpose.STORE]
    assert not person.subscriptions.exists()


def test_form_without_a_name_field_names_the_person_after_their_address(client, webform):
    webform.first_name = "hidden"
    webform.last_name = "hidden"
    webform.save()
    post(client, webform, email="nora.berg@example.no", first_name="", last_name="")
    assert Person.objects.get().first_name == "nora.berg"


def test_company_name_on_file_is_reused(client, webform):
    company = CompanyFactory(name="Fjord & Fjell AS")
    post(client, webform, company="fjord & fjell as")
    assert Person.objects.get().company == company
    assert Company.objects.count() == 1


def test_new_person_is_announced_so_the_confirmation_email_follows(client, webform):
    announced = []

    def receiver(sender, person, registered_by, **kwargs):
        announced.append((person.email_addresses.count(), person.consents.count(), registered_by))

    person_registered.connect(receiver)
    try:
        post(client, webform)
    finally:
        person_registered.disconnect(receiver)
    assert announced == [(1, 2, None)]


def test_address_on_file_in_another_case_keeps_the_person_and_only_adds_grants(client, webform):
    kari = PersonFactory(first_name="Kari", last_name="Nordmann", phone="+47 22 33 44 55", language="en")
    EmailAddressFactory(person=kari, address="Kari.Nordmann@Example.NO")
    contacts_services.consent_set(
        person=kari, purpose=purpose(Purpose.STORE), legal_basis=LegalBasis.objects.get(key=LegalBasis.CONTRACT)
    )
    contacts_services.consent_set(
        person=kari, purpose=purpose(Purpose.EMARKETING), legal_basis=LegalBasis.objects.get(key=LegalBasis.WITHDRAWN)
    )
    events_before = ConsentEvent.objects.count()
    announced = []
    person_registered.connect(receiver := lambda sender, person, **kwargs: announced.append(person))
    try:
        response = post(client, webform, email="kari.nordmann@example.no", first_name="Karianne", last_name="Other")
    finally:
        person_registered.disconnect(receiver)

    assert response.status_code == 302
    assert Person.objects.count() == 1
    kari.refresh_from_db()
    assert (kari.first_name, kari.last_name, kari.phone, kari.language, kari.company) == (
        "Kari",
        "Nordmann",
        "+47 22 33 44 55",
        "en",
        None,
    )
    assert [a.address for a in kari.email_addresses.all()] == ["Kari.Nordmann@Example.NO"]
    assert not Company.objects.exists()
    consents = {c.purpose.key: c.legal_basis.key for c in kari.consents.select_related("purpose", "legal_basis")}
    # Contract is a stronger basis than a tick box and stays; the withdrawn consent is given again.
    assert consents == {Purpose.STORE: LegalBasis.CONTRACT, Purpose.EMARKETING: LegalBasis.CONSENT}
    new_events = ConsentEvent.objects.order_by("id")[events_before:]
    assert [
        (e.purpose_id and e.purpose.key, e.subscription_type_id and e.subscription_type.key) for e in new_events
    ] == [
        (Purpose.EMARKETING, None),
        (None, "NEWSLETTER"),
    ]
    marketing = new_events[0]
    assert marketing.legal_basis_before.key == LegalBasis.WITHDRAWN
    assert (marketing.ip_address, marketing.user_agent) == ("203.0.113.7", USER_AGENT)
    assert marketing.approval_text == "Ja, jeg vil motta nyheter, tilbud og invitasjoner på e-post."
    assert kari.subscriptions.get().subscribed
    assert announced == []  # not a new registration: no automatic email
    submission = WebFormSubmission.objects.get()
    assert (submission.person, submission.created_person) == (kari, False)


def test_address_on_file_never_loses_a_consent_or_subscription(client, webform):
    kari = PersonFactory()
    EmailAddressFactory(person=kari, address="kari@example.no")
    contacts_services.consent_set(
        person=kari, purpose=purpose(Purpose.EMARKETING), legal_basis=LegalBasis.objects.get(key=LegalBasis.CONSENT)
    )
    events = SubscriptionType.objects.get(key="EVENTS")
    webform.subscription_types.add(events)
    contacts_services.subscription_set(person=kari, subscription_type=events, subscribed=True)
    events_before = ConsentEvent.objects.count()

    post(client, webform, email="kari@example.no", purposes=[purpose(Purpose.STORE).pk], subscriptions=[])

    consents = {c.purpose.key: c.legal_basis.key for c in kari.consents.select_related("purpose", "legal_basis")}
    assert consents == {Purpose.STORE: LegalBasis.CONSENT, Purpose.EMARKETING: LegalBasis.CONSENT}
    assert kari.subscriptions.get().subscribed
    assert ConsentEvent.objects.count() == events_before + 1


def test_consent_already_given_is_not_written_again(client, webform):
    kari = PersonFactory()
    EmailAddressFactory(person=kari, address="kari@example.no")
    for key in (Purpose.STORE, Purpose.EMARKETING):
        contacts_services.consent_set(
            person=kari, purpose=purpose(key), legal_basis=LegalBasis.objects.get(key=LegalBasis.CONSENT)
        )
    events_before = ConsentEvent.objects.count()
    post(client, webform, email="KARI@example.no", subscriptions=[])
    assert ConsentEvent.objects.count() == events_before
    assert WebFormSubmission.objects.get().person == kari


def test_the_oldest_person_with_the_address_gets_the_grants(client, webform):
    older = PersonFactory(registered_at="2020-01-01T00:00:00Z")
    newer = PersonFactory()
    EmailAddressFactory(person=newer, address="delt@example.no")
    EmailAddressFactory(person=older, address="DELT@example.no")
    post(client, webform, email="delt@example.no")
    assert older.consents.count() == 2
    assert not newer.consents.exists()


def test_a_submission_failing_half_way_writes_nothing(client, webform, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    # The subscriptions come after the person, address, company, consents and ledger entries.
    monkeypatch.setattr(contacts_services, "subscription_set", broken)
    client.raise_request_exception = False
    response = post(client, webform)
    assert response.status_code == 500
    assert nothing_written()


def test_counting_the_submission_failing_writes_nothing(client, webform, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(WebFormSubmission.objects, "create", broken)
    client.raise_request_exception = False
    assert post(client, webform).status_code == 500
    assert nothing_written()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Feltet er påkrevet."),
        ({"email": ""}, "email", "Feltet er påkrevet."),
        ({"email": "nora@@example"}, "email", "Oppgi en gyldig e-postadresse"),
        ({"first_name": "N" * 101}, "first_name", "100 eller færre tegn"),
        ({"company": "F" * 201}, "company", "200 eller færre tegn"),
        ({"email": "n" * 250 + "@example.no"}, "email", "254 eller færre tegn"),
        ({"purposes": []}, "purposes", "Du må krysse av for «Jeg godtar at kontaktopplysningene mine lagres"),
        ({"purposes": ["salg"]}, "purposes", "Velg et gyldig valg. salg er ikke et av de tilgjengelige valgene."),
        ({"purposes": ["999999"]}, "purposes", "Velg et gyldig valg. 999999 er ikke"),
        ({"subscriptions": ["999999"]}, "subscriptions", "Velg et gyldig valg. 999999 er ikke"),
        ({"first_name": "Nora\x00"}, "first_name", "Null-tegn er ikke tillatt."),
    ],
)
def test_bad_input_gets_an_error_beside_the_field_in_the_form_language_and_writes_nothing(
    client, webform, data, field, message
):
    response = post(client, webform, **data)
    assert response.status_code == 200
    assert nothing_written()
    errors = response.context["form"].errors
    assert set(errors) == {field}
    assert message in " ".join(errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Skjemaet ble ikke sendt. Rett opp feltene som er merket nedenfor." in html


def test_a_page_with_errors_keeps_what_the_person_typed_and_ticked(client, webform):
    html = post(client, webform, email="feil").content.decode()
    assert 'value="Nora"' in html
    assert f'value="{purpose(Purpose.EMARKETING).pk}" id="id_purpose_{purpose(Purpose.EMARKETING).pk}" checked' in html


def test_inactive_form_takes_no_submissions(client, webform):
    webform.active = False
    webform.save()
    assert post(client, webform).status_code == 404
    assert nothing_written()


def test_filled_honeypot_answers_like_success_and_writes_nothing(client, webform):
    response = post(client, webform, website="https://spam.example.com")
    assert response.status_code == 302
    assert response.url == reverse("webforms:thanks", kwargs={"slug": webform.slug})
    assert nothing_written()


def test_too_many_posts_from_one_address_get_a_readable_429(client, webform, settings):
    for _ in range(10):
        assert post(client, webform, email="ikke-gyldig").status_code == 200
    response = post(client, webform)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "600"
    assert "Content-Security-Policy" in response.headers
    html = response.content.decode()
    assert "For mange innsendinger" in html
    assert "10 minutter" in html
    assert nothing_written()

    other = client.post(
        webform.get_absolute_url(),
        {"email": "ola@example.no", "first_name": "Ola", "purposes": [purpose(Purpose.STORE).pk]},
        REMOTE_ADDR="198.51.100.2",
    )
    assert other.status_code == 302
    assert Person.objects.get().first_name == "Ola"
