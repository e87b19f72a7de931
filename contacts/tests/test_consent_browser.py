"""The "Edit legal basis" dialog in a real browser, with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from contacts import services
from contacts.models import Consent, ConsentEvent, Purpose
from contacts.tests.factories import StaffUserFactory
from privacy_confirm.testing.browser import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_edits_a_legal_basis_in_the_dialog_and_sees_the_ledger_entry(live_server, page, client):
    user = StaffUserFactory(username="siri")
    person = services.person_register(first_name="Åse", last_name="Bjørnstad")  # Sales and service: 61F
    store = Purpose.objects.get(key=Purpose.STORE)
    browser_log_in(page, client, live_server, user)
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")

    store_row = page.locator("#consent-store")
    expect(store_row).to_contain_text("Legitimate interest")
    opener = store_row.get_by_role("link", name="Edit legal basis")
    dialog = page.locator(f"#consent-dialog-{store.pk}")

    # Opens on top of the page with focus inside; Escape closes it and gives focus back.
    opener.click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Legal basis")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    assert page.url.endswith(f"/crm/persons/{person.pk}/")

    opener.click()
    dialog.get_by_label("Legal basis").select_option(label="Contract")
    dialog.get_by_label("Source").select_option(label="E-mail")
    dialog.get_by_label("Comment").fill("Signed the framework agreement")
    dialog.get_by_role("button", name="Save").click()

    expect(page.locator(".messages")).to_contain_text("Contract")
    expect(page.locator("#consent-store")).to_contain_text("Contract")
    expect(page.locator("#consent-store")).to_contain_text("siri")
    newest = page.locator("#consent-history tbody tr").first
    expect(newest).to_contain_text("Legitimate interest → Contract")
    expect(newest).to_contain_text("Signed the framework agreement")
    expect(newest).to_contain_text("siri")
    expect(newest).to_contain_text("E-mail")
    page.screenshot(path="var/screenshots/consent-dialog-after-save.png", full_page=True)

    assert Consent.objects.get(person=person, purpose=store).legal_basis.key == "61B"
    event = ConsentEvent.objects.filter(person=person).latest("id")
    assert (event.legal_basis_after.key, event.actor_user, event.comment) == (
        "61B",
        user,
        "Signed the framework agreement",
    )


def test_without_javascript_the_edit_button_opens_the_form_as_a_page(live_server, browser, client):
    user = StaffUserFactory(username="ola")
    person = services.person_register(first_name="Ola", last_name="Nordmann")
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        browser_log_in(page, client, live_server, user)
        page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
        page.locator("#consent-emarketing").get_by_role("link", name="Edit legal basis").click()
        expect(page.get_by_role("heading", name="Edit legal basis: E-marketing")).to_be_visible()
        page.get_by_label("Legal basis").select_option(label="Consent")
        page.get_by_label("Source").select_option(label="Chat")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#consent-emarketing")).to_contain_text("Consent")
        expect(page.locator("#consent-history tbody tr").first).to_contain_text("not registered → Consent")
    finally:
        context.close()
