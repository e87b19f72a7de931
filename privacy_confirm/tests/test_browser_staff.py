"""The staff side in a real browser: log in, register a person, find them again."""

import re

import pytest
from playwright.sync_api import expect

from contacts.models import Person
from contacts.tests.factories import CompanyFactory, StaffUserFactory
from privacy_confirm.testing.browser import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_logs_in_creates_a_person_and_finds_them_in_the_search(live_server, page):
    StaffUserFactory(username="kari", password="correct-horse-battery")
    CompanyFactory(name="Fjord & Fjell AS")

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill("kari")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Persons")).to_be_visible()

    page.get_by_role("link", name="New person").click()
    page.get_by_label("First name").fill("Øystein")
    page.get_by_label("Last name").fill("Kjærnes")
    page.get_by_label("Company").select_option(label="Fjord & Fjell AS")
    page.locator("#id_addresses-0-address").fill("oystein@fjordogfjell.example.no")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Øystein Kjærnes")).to_be_visible()

    page.get_by_role("link", name="Persons").click()
    page.get_by_role("searchbox").fill("fjordogfjell")
    expect(page.locator("#person-results")).to_contain_text("Øystein Kjærnes")
    assert Person.objects.get().email_addresses.get().address == "oystein@fjordogfjell.example.no"


def test_malformed_address_shows_an_error_beside_the_field(live_server, page, client):
    browser_log_in(page, client, live_server, StaffUserFactory(username="ola"))
    page.goto(live_server.url + "/crm/persons/new/")
    page.get_by_label("First name").fill("Ola")
    page.locator("#id_addresses-0-address").fill("ola@@example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_be_visible()
    assert not Person.objects.exists()


def test_task_menu_opens_and_moves_with_the_keyboard(live_server, page, client):
    from contacts.tests.factories import EmailAddressFactory, PersonFactory

    person = PersonFactory(first_name="Kari")
    EmailAddressFactory(person=person)
    browser_log_in(page, client, live_server, StaffUserFactory(username="kari-staff"))
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")

    page.locator("#task-menu summary").focus()
    page.keyboard.press("ArrowDown")
    first_item = page.get_by_role("menuitem").first
    expect(first_item).to_be_focused()
    page.keyboard.press("End")
    expect(page.get_by_role("menuitem").last).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#task-menu")).not_to_have_attribute("open", "")
    expect(page.locator("#task-menu summary")).to_be_focused()
