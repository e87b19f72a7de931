"""The form embedded in another site, in a real browser: a page on http://localhost:<port>
shows the form from the live server at http://127.0.0.1:<port> (another origin, another
site, so no SameSite=Lax cookie reaches the frame), the person fills it in inside the
frame, and staff then find them with their consents and ledger entries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from contacts.models import ConsentEvent, ConsentSource, LegalBasis, Person, Purpose, SubscriptionType
from contacts.tests.factories import StaffUserFactory
from privacy_confirm.testing.browser import browser_log_in
from privacy_confirm.webforms.models import WebFormSubmission
from privacy_confirm.webforms.tests.factories import WebFormFactory, WebFormPurposeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class EmbeddingSite:
    """A tiny web site on 127.0.0.1 that serves one page, reached as http://localhost:<port>."""

    def __init__(self) -> None:
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def embed(self, form_url: str) -> None:
        self.html = (
            "<!doctype html><html lang='nb'><head><meta charset='utf-8'><title>Fjord &amp; Fjell</title></head>"
            "<body><h1>Fjord &amp; Fjell</h1>"
            f"<iframe id='crm-form' src='{form_url}' title='Påmelding' style='width:100%;height:900px;border:0'>"
            "</iframe></body></html>"
        )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def embedding_site() -> Iterator[EmbeddingSite]:
    site = EmbeddingSite()
    yield site
    site.stop()


def form_origin(live_server) -> str:  # type: ignore[no-untyped-def]
    """The live server reached through 127.0.0.1, whatever name it was started with."""
    return f"http://127.0.0.1:{urlsplit(live_server.url).port}"


@pytest.fixture
def newsletter_form(embedding_site):  # type: ignore[no-untyped-def]
    Purpose.objects.filter(key=Purpose.STORE).update(privacy_statement_url="https://www.example.org/personvern")
    webform = WebFormFactory(slug="nyhetsbrev", allowed_origins=embedding_site.origin)
    WebFormPurposeFactory(webform=webform, purpose=Purpose.objects.get(key=Purpose.STORE), required=True, rank=1)
    WebFormPurposeFactory(webform=webform, purpose=Purpose.objects.get(key=Purpose.EMARKETING), rank=2)
    webform.subscription_types.add(SubscriptionType.objects.get(key="NEWSLETTER"))
    return webform


def test_person_registers_through_the_embedded_form_and_staff_find_them(
    live_server, page, client, embedding_site, newsletter_form
):
    form_url = form_origin(live_server) + newsletter_form.get_absolute_url()
    assert urlsplit(form_url).netloc != urlsplit(embedding_site.origin).netloc
    embedding_site.embed(form_url)

    page.goto(embedding_site.origin + "/")
    frame = page.frame_locator("#crm-form")
    # A mistake first: the required consent is not ticked; the error is in Norwegian.
    frame.get_by_label("Fornavn").fill("Øystein")
    frame.get_by_label("Etternavn").fill("Kjærnes")
    frame.get_by_label("E-postadresse").fill("oystein@fjordogfjell.example.no")
    frame.get_by_role("button", name="Send").click()
    expect(frame.locator("#id_purposes_error")).to_contain_text("Du må krysse av for")
    assert not Person.objects.exists()

    frame.get_by_label("Jeg godtar at kontaktopplysningene mine lagres for salg og service.").check()
    frame.get_by_label("Nyhetsbrev").check()
    frame.get_by_role("button", name="Send").click()
    expect(frame.get_by_role("heading", name="Takk")).to_be_visible()
    expect(frame.get_by_text("Takk for påmeldingen!")).to_be_visible()

    person = Person.objects.get()
    assert (person.first_name, person.last_name, person.language) == ("Øystein", "Kjærnes", "nb")
    assert person.source.key == ConsentSource.WEB_FORM
    store_event = ConsentEvent.objects.get(person=person, purpose__key=Purpose.STORE)
    assert store_event.legal_basis_after.key == LegalBasis.CONSENT
    assert store_event.ip_address == "127.0.0.1"
    assert "Chrome" in store_event.user_agent
    assert store_event.privacy_statement_url == "https://www.example.org/personvern"
    assert ConsentEvent.objects.filter(person=person, subscription_type__key="NEWSLETTER").exists()
    assert not ConsentEvent.objects.filter(person=person, purpose__key=Purpose.EMARKETING).exists()
    assert WebFormSubmission.objects.get().person == person

    browser_log_in(page, client, live_server, StaffUserFactory())
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
    expect(page.get_by_role("heading", name="Øystein Kjærnes")).to_be_visible()
    expect(page.locator("#email-addresses")).to_contain_text("oystein@fjordogfjell.example.no")
    expect(page.locator("#consent-store [data-basis]")).to_have_attribute("data-basis", LegalBasis.CONSENT)
    expect(page.locator("#subscriptions")).to_contain_text("Subscribed")
    history = page.locator("#consent-history")
    expect(history.locator("tr.consent-event")).to_have_count(2)
    expect(history).to_contain_text("Web form")
    history.locator(f"#consent-event-{store_event.pk} summary").click()
    expect(history.locator(f"#consent-event-{store_event.pk}")).to_contain_text("127.0.0.1")


def test_a_site_not_on_the_list_cannot_show_the_form(live_server, page, embedding_site, newsletter_form):
    newsletter_form.allowed_origins = "https://www.example.org"
    newsletter_form.save()
    embedding_site.embed(form_origin(live_server) + newsletter_form.get_absolute_url())

    page.goto(embedding_site.origin + "/")
    page.wait_for_load_state("load")
    frame = next(f for f in page.frames if f != page.main_frame)
    # Chromium refuses the framed document (CSP frame-ancestors) and shows its error page.
    assert frame.locator("input[name=email]").count() == 0
    assert not frame.url.startswith(form_origin(live_server))
