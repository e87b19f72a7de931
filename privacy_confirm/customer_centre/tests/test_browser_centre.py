"""The customer centre in a real browser, from a real email: registration sends the
privacy email through a worker process and the Anymail Postmark backend to the scripted
server; the person follows the link, changes their mind, and staff see it all."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.conf import settings
from playwright.sync_api import expect

from contacts.models import ConsentEvent, LegalBasis, Person, Purpose
from contacts.services import ConsentGrant, EmailAddressData, person_register
from contacts.tests.factories import StaffUserFactory
from privacy_confirm.confirmations.links import personal_links_revoke
from privacy_confirm.customer_centre.tests.conftest import assert_token_not_stored
from privacy_confirm.testing.browser import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LINK = re.compile(r"(https?://[^/\s\"'<>]+)/privacy/([A-Za-z0-9_-]{40,})/")


def wait_until(condition: Callable[[], object], *, timeout: float = 30, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def link_from_email(esp, live_server, *, to: str, count: int = 1) -> str:  # type: ignore[no-untyped-def]
    """The personal link in the latest email the scripted server accepted for `to`, moved
    onto the live server (the worker builds links from settings.SITE_URL, as in production)."""
    wait_until(lambda: len([m for m in esp.messages if to in m.to]) >= count, what=f"email number {count} to {to}")
    message = [m for m in esp.messages if to in m.to][-1]
    match = LINK.search(message.text)
    assert match, message.text
    assert match.group(1) == settings.SITE_URL
    assert LINK.search(message.html).group(2) == match.group(2)
    return f"{live_server.url}/privacy/{match.group(2)}/"


def test_person_follows_the_emailed_link_withdraws_emarketing_and_unsubscribes_and_staff_see_it(
    live_server, page, client, esp, celery_worker_process
):
    person = person_register(
        first_name="Ingrid",
        last_name="Haugen",
        language="en",
        phone="+47 400 00 000",
        email_addresses=[EmailAddressData("ingrid@haugen.example.no")],
        consents=[ConsentGrant(purpose=Purpose.objects.get(key=Purpose.EMARKETING))],
        subscription_type_keys=["NEWSLETTER", "EVENTS"],
        registered_by=StaffUserFactory(username="registrar"),
    )
    url = link_from_email(esp, live_server, to="ingrid@haugen.example.no")
    # Once the worker has archived what it sent, the token is still only in the email.
    wait_until(lambda: person.activities.filter(kind="email", status="sent").exists(), what="the archived email")
    assert_token_not_stored(url.rstrip("/").rsplit("/", 1)[-1])

    page.goto(url)
    expect(page.get_by_role("heading", name="What we store about you")).to_be_visible()
    expect(page.locator("#stored")).to_contain_text("ingrid@haugen.example.no")
    expect(page.locator("#stored")).to_contain_text("+47 400 00 000")
    emarketing = page.locator("#purpose-EMARKETING")
    expect(emarketing.locator(".legal-basis")).to_have_text("Consent")
    emarketing.get_by_role("button", name=re.compile("Withdraw consent")).click()
    expect(page.locator("#done")).to_have_text("Done. We no longer use your data for this purpose.")
    expect(page.locator("#purpose-EMARKETING .legal-basis")).to_have_text("Withdrawn")

    page.get_by_label("Newsletter").uncheck()
    page.get_by_role("button", name="Save subscriptions").click()
    expect(page.locator("#done")).to_have_text("Your subscriptions are saved.")
    expect(page.get_by_label("Newsletter")).not_to_be_checked()
    expect(page.get_by_label("Events and webinars")).to_be_checked()
    page.screenshot(path=str(settings.BASE_DIR / "var" / "test-logs" / "customer-centre.png"), full_page=True)

    portal_events = ConsentEvent.objects.filter(person=person, source__key="PORTAL")
    assert portal_events.count() == 2
    assert all(e.actor_type == ConsentEvent.Actor.PERSON and e.ip_address == "127.0.0.1" for e in portal_events)
    assert all("Chrome" in e.user_agent for e in portal_events)

    browser_log_in(page, client, live_server, StaffUserFactory(username="kari"))
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
    expect(page.locator("#consent-emarketing .consent-basis")).to_have_text("Withdrawn")
    expect(page.locator("#subscriptions")).to_contain_text(re.compile(r"Newsletter:\s+Not subscribed"))
    history = page.locator("#consent-history")
    for what, change in (("E-marketing", "Consent → Withdrawn"), ("Newsletter", "Subscribed → Not subscribed")):
        row = history.locator("tr.consent-event", has_text=what).first
        expect(row).to_contain_text(change)
        expect(row).to_contain_text("Customer portal")
        expect(row).to_contain_text("The person")
    activities = page.locator("#activities")
    expect(activities.locator(".activity", has_text="Consent change")).to_have_count(2)
    page.screenshot(path=str(settings.BASE_DIR / "var" / "test-logs" / "customer-centre-staff.png"), full_page=True)


def test_an_expired_link_offers_a_new_one_which_arrives_by_email_and_works(
    live_server, page, esp, celery_worker_process
):
    person = person_register(
        first_name="Ola",
        language="nb",
        email_addresses=[EmailAddressData("ola@nordmann.example.no")],
        registered_by=StaffUserFactory(username="registrar"),
    )
    old_url = link_from_email(esp, live_server, to="ola@nordmann.example.no")
    personal_links_revoke(person=person)

    # No person is known on this page, so it speaks the browser's language (en-GB).
    page.goto(old_url)
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    page.get_by_label("Your email address").fill("OLA@nordmann.example.no")
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    new_url = link_from_email(esp, live_server, to="ola@nordmann.example.no", count=2)
    assert new_url != old_url
    page.goto(new_url)
    expect(page.get_by_role("heading", name="Dette lagrer vi om deg")).to_be_visible()
    expect(page.locator("#stored")).to_contain_text("ola@nordmann.example.no")
    assert person.activities.filter(confirmation__kind="link_renewal", status="sent").exists()


def test_the_page_fits_a_phone(live_server, browser):
    from privacy_confirm.confirmations.links import personal_link_create

    person = Person.objects.create(first_name="Åse", last_name="Bjørnstad-Kristiansen", language="nb")
    person.email_addresses.create(address="aase.bjornstad-kristiansen@et-langt-firmanavn.example.no")
    person.consents.create(
        purpose=Purpose.objects.get(key=Purpose.STORE), legal_basis=LegalBasis.objects.get(key=LegalBasis.CONTRACT)
    )
    _link, token = personal_link_create(person=person)
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/privacy/{token}/")
        expect(phone.get_by_role("button", name=re.compile("Meld meg av alt"))).to_be_visible()
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        phone.screenshot(
            path=str(settings.BASE_DIR / "var" / "test-logs" / "customer-centre-phone.png"), full_page=True
        )
    finally:
        context.close()
