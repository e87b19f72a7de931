"""The Consents card on the person page, the "Edit legal basis" page behind its dialog, the
E-marketing switch, and the ledger history: who may do what, and what it costs."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from contacts import services
from contacts.models import Consent, ConsentEvent, ConsentSource, LegalBasis, Purpose, SubscriptionType
from contacts.tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def basis(key: str) -> LegalBasis:
    return LegalBasis.objects.get(key=key)


def source(key: str) -> ConsentSource:
    return ConsentSource.objects.get(key=key)


@pytest.fixture
def store() -> Purpose:
    return Purpose.objects.get(key=Purpose.STORE)


@pytest.fixture
def emarketing() -> Purpose:
    return Purpose.objects.get(key=Purpose.EMARKETING)


def client_with(client, *codenames: str):
    user = UserFactory()
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames, content_type__app_label="contacts"))
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def viewer_client(client):
    """May see persons and switch E-marketing, but not edit legal bases."""
    return client_with(client, "view_person")


@pytest.fixture
def editor_client(client):
    return client_with(client, "view_person", "change_consent", "view_consentevent")


def person_page(client, person):
    response = client.get(reverse("contacts:person_detail", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response


def edit_url(person, purpose):
    return reverse("contacts:consent_edit", args=[person.pk, purpose.pk])


def test_consents_card_lists_every_active_purpose_with_basis_source_who_and_when(editor_client, store, emarketing):
    person = PersonFactory()
    services.consent_set(
        person=person,
        purpose=store,
        legal_basis=basis("61B"),
        source=source(ConsentSource.EMAIL),
        actor_type=ConsentEvent.Actor.USER,
        actor_user=UserFactory(username="kari.saksbehandler"),
    )
    response = person_page(editor_client, person)
    lines = {line.purpose.key: line for line in response.context["purpose_consents"]}
    assert list(lines) == [Purpose.STORE, Purpose.EMARKETING]
    assert lines[Purpose.STORE].consent.legal_basis.key == "61B"
    assert lines[Purpose.EMARKETING].consent is None
    body = response.content.decode()
    store_row = body[body.index('id="consent-store"') : body.index('id="consent-emarketing"')]
    assert "Contract" in store_row
    assert "E-mail" in store_row
    assert "kari.saksbehandler" in store_row
    assert "<time" in store_row
    emarketing_row = body[body.index('id="consent-emarketing"') :]
    assert "not registered" in emarketing_row[: emarketing_row.index("</tr>")]


def test_consents_card_shows_the_person_or_the_system_when_no_user_acted(editor_client, store, emarketing):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61F"))
    services.consent_set(
        person=person, purpose=emarketing, legal_basis=basis("61A"), actor_type=ConsentEvent.Actor.PERSON
    )
    lines = {line.purpose.key: line for line in person_page(editor_client, person).context["purpose_consents"]}
    assert lines[Purpose.STORE].consent.last_actor_type == ConsentEvent.Actor.SYSTEM
    assert lines[Purpose.EMARKETING].consent.last_actor_type == ConsentEvent.Actor.PERSON


def test_consents_card_uses_the_page_language_for_purpose_and_basis_names(editor_client, store):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61A"))
    body = editor_client.get(reverse("contacts:person_detail", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="nb").content
    assert "Salg og service" in body.decode()
    assert "Samtykke" in body.decode()


def test_inactive_purposes_are_hidden_from_the_card_but_kept(editor_client, emarketing):
    person = PersonFactory()
    services.consent_set(person=person, purpose=emarketing, legal_basis=basis("61A"))
    emarketing.active = False
    emarketing.save()
    response = person_page(editor_client, person)
    assert [line.purpose.key for line in response.context["purpose_consents"]] == [Purpose.STORE]
    assert Consent.objects.filter(person=person, purpose=emarketing).exists()
    assert editor_client.get(edit_url(person, emarketing)).status_code == 404


def test_subscriptions_are_listed_read_only(editor_client):
    person = PersonFactory()
    services.subscription_set(
        person=person, subscription_type=SubscriptionType.objects.get(key="NEWSLETTER"), subscribed=True
    )
    body = person_page(editor_client, person).content.decode()
    section = body[body.index('id="subscriptions"') :]
    assert "Newsletter" in section and "Subscribed" in section
    assert "Events and webinars" in section


# The permission split


def test_editor_sees_an_edit_dialog_per_purpose(editor_client, store, emarketing):
    person = PersonFactory()
    body = person_page(editor_client, person).content.decode()
    for purpose in (store, emarketing):
        assert f'href="{edit_url(person, purpose)}"' in body
        assert f'<dialog id="consent-dialog-{purpose.pk}"' in body


def test_editor_changes_a_legal_basis_and_the_ledger_records_who_why_and_how(editor_client, store):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61F"))
    response = editor_client.post(
        edit_url(person, store),
        {"legal_basis": basis("61B").pk, "source": source(ConsentSource.EMAIL).pk, "comment": "Signed the contract"},
    )
    assert response.status_code == 302
    assert response.url == reverse("contacts:person_detail", args=[person.pk])
    consent = Consent.objects.get(person=person, purpose=store)
    assert (consent.legal_basis.key, consent.source.key, consent.updated_by) == (
        "61B",
        ConsentSource.EMAIL,
        editor_client.user,
    )
    event = ConsentEvent.objects.filter(person=person).latest("id")
    assert (event.legal_basis_before.key, event.legal_basis_after.key) == ("61F", "61B")
    assert event.actor_type == ConsentEvent.Actor.USER
    assert event.actor_user == editor_client.user
    assert event.comment == "Signed the contract"
    assert event.source.key == ConsentSource.EMAIL


def test_edit_page_works_without_javascript_and_shows_errors(editor_client, store):
    person = PersonFactory()
    response = editor_client.get(edit_url(person, store))
    assert response.status_code == 200
    assert 'name="legal_basis"' in response.content.decode()
    response = editor_client.post(edit_url(person, store), {"legal_basis": "", "source": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"legal_basis", "source"}
    assert 'class="field-error"' in response.content.decode()
    assert not ConsentEvent.objects.filter(person=person).exists()


def test_edit_form_offers_only_active_bases_and_sources_and_refuses_inactive_ones(editor_client, store):
    LegalBasis.objects.filter(key="61E").update(active=False)
    ConsentSource.objects.filter(key=ConsentSource.CHAT).update(active=False)
    person = PersonFactory()
    form = editor_client.get(edit_url(person, store)).context["form"]
    assert basis("61E").pk not in [value for value, _label in form.fields["legal_basis"].choices]
    assert source(ConsentSource.CHAT).pk not in [value for value, _label in form.fields["source"].choices]
    response = editor_client.post(
        edit_url(person, store), {"legal_basis": basis("61E").pk, "source": source(ConsentSource.CHAT).pk}
    )
    assert set(response.context["form"].errors) == {"legal_basis", "source"}
    assert LegalBasis.objects.filter(key="61E").exists()


def test_edit_form_lists_bases_in_rank_order(editor_client, store):
    LegalBasis.objects.filter(key="WITHDRAWN").update(rank=0)
    form = editor_client.get(edit_url(PersonFactory(), store)).context["form"]
    first_value = form.fields["legal_basis"].choices[1][0]
    assert first_value == basis("WITHDRAWN").pk


def test_user_without_change_consent_sees_no_edit_and_gets_403_on_the_edit_page(viewer_client, store):
    person = PersonFactory()
    body = person_page(viewer_client, person).content.decode()
    assert edit_url(person, store) not in body
    assert 'id="consent-dialog-' not in body
    assert viewer_client.get(edit_url(person, store)).status_code == 403
    response = viewer_client.post(edit_url(person, store), {"legal_basis": basis("61A").pk, "source": 1})
    assert response.status_code == 403
    assert not Consent.objects.filter(person=person).exists()


def test_user_without_change_consent_may_switch_e_marketing_on_and_off(viewer_client, emarketing):
    person = PersonFactory()
    url = reverse("contacts:emarketing_switch", args=[person.pk])
    assert "Turn E-marketing on" in person_page(viewer_client, person).content.decode()

    assert viewer_client.post(url, {"enabled": "1"}).status_code == 302
    consent = Consent.objects.get(person=person, purpose=emarketing)
    assert consent.legal_basis.key == LegalBasis.LEGITIMATE_INTEREST
    assert consent.updated_by == viewer_client.user
    assert "Turn E-marketing off" in person_page(viewer_client, person).content.decode()

    assert viewer_client.post(url, {"enabled": "0"}).status_code == 302
    consent.refresh_from_db()
    assert consent.legal_basis.key == LegalBasis.WITHDRAWN
    assert ConsentEvent.objects.filter(person=person, purpose=emarketing).count() == 2


def test_e_marketing_switch_explains_why_it_cannot_undo_the_persons_own_no(viewer_client, emarketing):
    person = PersonFactory()
    services.consent_set(
        person=person,
        purpose=emarketing,
        legal_basis=LegalBasis.objects.get(key=LegalBasis.WITHDRAWN),
        actor_type=ConsentEvent.Actor.PERSON,
    )
    url = reverse("contacts:emarketing_switch", args=[person.pk])
    response = viewer_client.post(url, {"enabled": "1"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "only they can turn it on again" in response.content.decode()
    assert Consent.objects.get(person=person, purpose=emarketing).legal_basis.key == LegalBasis.WITHDRAWN


def test_e_marketing_switch_changes_nothing_on_get_or_bad_input(viewer_client):
    person = PersonFactory()
    url = reverse("contacts:emarketing_switch", args=[person.pk])
    assert viewer_client.get(url).status_code == 405
    assert viewer_client.post(url, {"enabled": "maybe"}).status_code == 400
    assert not Consent.objects.filter(person=person).exists()


def test_consent_pages_need_login(client, store):
    person = PersonFactory()
    for url in (
        edit_url(person, store),
        reverse("contacts:consent_history", args=[person.pk]),
        reverse("contacts:consents_bulk"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    response = client.post(reverse("contacts:emarketing_switch", args=[person.pk]), {"enabled": "1"})
    assert response.status_code == 302
    assert not Consent.objects.exists()


# The ledger history


def make_history(person, store, emarketing, rounds: int) -> None:
    user = UserFactory()
    newsletter = SubscriptionType.objects.get(key="NEWSLETTER")
    for n in range(rounds):
        services.consent_set(
            person=person,
            purpose=store,
            legal_basis=basis("61A" if n % 2 else "61B"),
            source=source(ConsentSource.EMAIL),
            comment=f"round {n}",
            actor_type=ConsentEvent.Actor.USER,
            actor_user=user,
        )
        services.consent_set(
            person=person,
            purpose=emarketing,
            legal_basis=basis("61A" if n % 2 else LegalBasis.WITHDRAWN),
            source=source(ConsentSource.CUSTOMER_PORTAL),
            actor_type=ConsentEvent.Actor.PERSON,
            ip_address="198.51.100.4",
            user_agent="Firefox",
            approval_text="Yes please",
        )
        services.subscription_set(person=person, subscription_type=newsletter, subscribed=not n % 2)


def test_history_lists_purpose_and_subscription_events_newest_first_with_evidence(editor_client, store, emarketing):
    person = PersonFactory()
    make_history(person, store, emarketing, rounds=2)
    response = editor_client.get(reverse("contacts:consent_history", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="en")
    events = list(response.context["page"].object_list)
    assert len(events) == 6
    assert [e.pk for e in events] == sorted((e.pk for e in events), reverse=True)
    body = response.content.decode()
    assert body.index("round 1") < body.index("round 0")
    assert "Contract → Consent" in body
    assert "not registered → Contract" in body
    assert "Newsletter" in body and "Subscribed → Not subscribed" in body
    assert "198.51.100.4" in body and "Firefox" in body and "Yes please" in body
    assert "The person" in body


def test_history_costs_the_same_number_of_queries_however_long_it_is(editor_client, store, emarketing):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(url).status_code == 200
        return len(captured)

    short, long = PersonFactory(), PersonFactory()
    make_history(short, store, emarketing, rounds=1)
    make_history(long, store, emarketing, rounds=15)
    for name in ("contacts:consent_history", "contacts:person_detail"):
        assert count_queries(reverse(name, args=[long.pk])) == count_queries(reverse(name, args=[short.pk])), name


def test_history_page_costs_a_bounded_number_of_queries(
    editor_client, store, emarketing, django_assert_max_num_queries
):
    person = PersonFactory()
    make_history(person, store, emarketing, rounds=20)
    with django_assert_max_num_queries(10):
        response = editor_client.get(reverse("contacts:consent_history", args=[person.pk]))
    assert len(response.context["page"].object_list) == 50


def test_person_page_shows_the_latest_ledger_entries_and_links_the_full_history(editor_client, store, emarketing):
    person = PersonFactory()
    make_history(person, store, emarketing, rounds=5)
    response = person_page(editor_client, person)
    assert len(response.context["consent_events"]) == 10
    assert response.context["consent_events"][0] == ConsentEvent.objects.filter(person=person).latest(
        "created_at", "id"
    )
    assert reverse("contacts:consent_history", args=[person.pk]) in response.content.decode()


def test_history_needs_view_consentevent(viewer_client, store):
    person = PersonFactory()
    services.consent_set(person=person, purpose=store, legal_basis=basis("61A"), comment="secret reason")
    assert viewer_client.get(reverse("contacts:consent_history", args=[person.pk])).status_code == 403
    response = person_page(viewer_client, person)
    assert response.context["consent_events"] is None
    assert "secret reason" not in response.content.decode()


def test_consents_card_speaks_norwegian_to_a_norwegian_browser(editor_client, store):
    person = PersonFactory()
    body = editor_client.get(reverse("contacts:person_detail", args=[person.pk]), HTTP_ACCEPT_LANGUAGE="nb").content
    text = body.decode()
    assert "Samtykker" in text
    assert "Endre behandlingsgrunnlag" in text
    assert "Slå på e-markedsføring" in text
    assert "ikke registrert" in text
