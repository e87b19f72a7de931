"""The send dialog in Chromium, with a real Celery worker sending through the real Anymail
Postmark backend to the scripted server."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import Page, expect

from contacts.models import Person
from contacts.tests.factories import EmailAddressFactory, PersonFactory, StaffUserFactory, UserFactory
from privacy_confirm.confirmations.models import Confirmation
from privacy_confirm.testing.browser import browser_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SENT_TIMEOUT_MS = 30_000


@pytest.fixture
def person() -> Person:
    person = PersonFactory(first_name="Kari", last_name="Nordmann", language="en")
    EmailAddressFactory(person=person, address="kari@example.com", rank=0)
    EmailAddressFactory(person=person, address="kari.work@example.com", rank=1)
    return person


@pytest.fixture
def staff_page(page, client, live_server, person):  # type: ignore[no-untyped-def]
    browser_log_in(page, client, live_server, StaffUserFactory(username="siri", email="siri@example.org"))
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
    return page


def open_dialog(page: Page) -> None:
    page.locator("#task-menu summary").click()
    page.get_by_role("menuitem", name="Send privacy confirmation email").click()
    expect(page.locator("#send-dialog")).to_be_visible()


def wait_for_messages(esp, count: int, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(esp.messages) < count:
        time.sleep(0.05)
    assert len(esp.messages) >= count, f"the scripted server got {len(esp.messages)} messages, wanted {count}"


def test_staff_changes_language_edits_subject_sends_and_sees_it_sent(
    staff_page, person, celery_worker_process, esp, tmp_path
):
    page = staff_page
    open_dialog(page)
    subject = page.locator("#id_subject")
    expect(page.locator("#id_recipient")).to_have_value("kari@example.com")
    expect(page.locator("#id_language")).to_have_value("en")
    expect(subject).to_have_value(re.compile(r"^Your personal data at "))
    expect(page.frame_locator(".send-preview-frame").locator("html")).to_have_attribute("lang", "en")

    # Another language: the unedited subject and the preview follow it.
    page.locator("#id_language").select_option("nb")
    expect(subject).to_have_value(re.compile(r"^Personopplysningene dine hos "))
    expect(page.locator('[data-preview="language"]')).to_have_text("nb")
    expect(page.frame_locator(".send-preview-frame").locator("html")).to_have_attribute("lang", "nb")

    # An edited subject is sent as typed, and the preview shows it.
    page.locator("#id_recipient").select_option("kari.work@example.com")
    subject.fill("Personvern for Kari – Fjord & Fjell {{ x }}")
    expect(page.locator('[data-preview="subject"]')).to_have_text("Personvern for Kari – Fjord & Fjell {{ x }}")
    expect(page.locator('[data-preview="recipient"]')).to_have_text("kari.work@example.com")
    page.screenshot(path=str(tmp_path / "dialog.png"), full_page=True)

    clicked = time.monotonic()
    page.locator("#send-submit").click()
    expect(page.locator("#send-dialog")).to_be_hidden()
    expect(page.locator("#send-status")).to_contain_text("kari.work@example.com is queued")
    activity = page.locator("#activities li.activity").first
    expect(activity.locator(".activity-subject")).to_have_text("Personvern for Kari – Fjord & Fjell {{ x }}")
    expect(activity.locator("[data-status]")).to_have_attribute("data-status", "sent", timeout=SENT_TIMEOUT_MS)
    seen_sent = time.monotonic() - clicked
    expect(page.locator("#task-menu summary")).to_be_focused()

    wait_for_messages(esp, 1)
    (message,) = esp.messages
    assert message.to == "kari.work@example.com"
    assert message.subject == "Personvern for Kari – Fjord & Fjell {{ x }}"
    assert 'lang="nb"' in message.html
    confirmation = Confirmation.objects.get()
    assert (confirmation.kind, confirmation.language, confirmation.status) == ("manual", "nb", "sent")
    worker_seconds = (confirmation.sent_at - confirmation.created_at).total_seconds()
    print(
        f"\nSend clicked -> 'sent' on the page: {seen_sent:.2f} s;"
        f" created -> sent in the outbox: {worker_seconds:.2f} s"
    )
    page.screenshot(path=str(tmp_path / "sent.png"), full_page=True)


def test_user_without_the_permission_sees_no_menu_item_and_gets_403(page, client, live_server, person):
    user = UserFactory(username="reader")
    user.user_permissions.add(Permission.objects.get(codename="view_person"))
    browser_log_in(page, client, live_server, user)
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
    expect(page.get_by_role("heading", name="Kari Nordmann")).to_be_visible()
    expect(page.get_by_text("Send privacy confirmation email")).to_have_count(0)

    token = page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    response = page.request.post(
        f"{live_server.url}/confirmations/persons/{person.pk}/send/",
        form={"recipient": "kari@example.com", "subject": "x", "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    assert response.status == 403
    assert "CSRF" not in response.text()  # refused for the permission, not the token
    assert not Confirmation.objects.exists()


def test_double_click_and_resubmitted_form_send_one_email(staff_page, person, celery_worker_process, esp):
    page = staff_page
    open_dialog(page)
    expect(page.locator("#id_subject")).to_have_value(re.compile(r"^Your personal data at "))
    form_data = page.evaluate("() => Object.fromEntries(new FormData(document.getElementById('send-form')))")

    page.locator("#send-submit").dblclick()
    expect(page.locator("#activities li.activity [data-status]")).to_have_attribute(
        "data-status", "sent", timeout=SENT_TIMEOUT_MS
    )
    # The same form once more, as a browser's "resubmit" would post it.
    replay = page.request.post(
        f"{page.url.split('/crm/')[0]}/confirmations/persons/{person.pk}/send/",
        form=form_data,
        headers={"Referer": page.url},
        max_redirects=0,
    )
    assert replay.status == 302
    time.sleep(1)  # a second email, if any, would be sent by now
    assert Confirmation.objects.count() == 1
    assert len(esp.messages) == 1
    expect(page.locator("#activities li.activity")).to_have_count(1)


def test_keyboard_only_opens_escapes_and_sends(staff_page, person, celery_worker_process, esp):
    page = staff_page
    summary = page.locator("#task-menu summary")

    def tab_to(locator, limit: int = 40) -> None:  # type: ignore[no-untyped-def]
        for _ in range(limit):
            if locator.evaluate("el => el === document.activeElement"):
                return
            page.keyboard.press("Tab")
        raise AssertionError("could not reach the element with Tab")

    tab_to(summary)
    page.keyboard.press("Enter")
    tab_to(page.get_by_role("menuitem", name="Send privacy confirmation email"))
    page.keyboard.press("Enter")
    dialog = page.locator("#send-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#id_recipient")).to_be_focused()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(summary).to_be_focused()

    page.keyboard.press("Enter")
    tab_to(page.get_by_role("menuitem", name="Send privacy confirmation email"))
    page.keyboard.press("Enter")
    expect(page.locator("#id_recipient")).to_be_focused()
    tab_to(page.locator("#send-submit"))
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(summary).to_be_focused()
    expect(page.locator("#activities li.activity [data-status]")).to_have_attribute(
        "data-status", "sent", timeout=SENT_TIMEOUT_MS
    )
    wait_for_messages(esp, 1)
    assert esp.messages[0].to == "kari@example.com"


def test_dialog_fits_a_phone_and_offers_to_add_an_address(page, client, live_server, tmp_path):
    person = PersonFactory(first_name="Ola", last_name="Uten", language="nb")
    browser_log_in(page, client, live_server, StaffUserFactory())
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
    open_dialog(page)
    expect(page.locator("#no-address")).to_be_visible()
    expect(page.locator("#id_new_address")).to_be_focused()
    dialog = page.locator("#send-dialog")
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert dialog.evaluate("el => el.scrollWidth <= el.clientWidth")

    page.locator("#id_new_address").fill("ola@@example")
    page.keyboard.press("Enter")
    expect(page.locator("#new-address-error")).to_be_visible()
    assert not person.email_addresses.exists()

    page.locator("#id_new_address").fill("ola@example.com")
    page.keyboard.press("Enter")
    expect(page.locator("#id_recipient")).to_have_value("ola@example.com")
    expect(page.locator("#send-submit")).to_be_visible()
    assert person.email_addresses.get().address == "ola@example.com"
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)


def test_plain_form_page_works_without_javascript(browser, client, live_server, person, celery_worker_process, esp):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        browser_log_in(page, client, live_server, StaffUserFactory())
        page.goto(f"{live_server.url}/crm/persons/{person.pk}/")
        page.locator("#task-menu summary").click()
        page.get_by_role("menuitem", name="Send privacy confirmation email").click()
        expect(page).to_have_url(re.compile(rf"/confirmations/persons/{person.pk}/send/$"))

        page.locator("#id_language").select_option("nb")
        page.get_by_role("button", name="Update preview").click()
        expect(page.locator("#id_subject")).to_have_value(re.compile(r"^Personopplysningene dine hos "))
        expect(page.locator('[data-preview="language"]')).to_have_text("nb")
        assert not Confirmation.objects.exists()

        page.get_by_role("button", name="Send", exact=True).click()
        expect(page).to_have_url(re.compile(rf"/crm/persons/{person.pk}/#activities$"))
        expect(page.locator(".messages")).to_contain_text("kari@example.com is queued")
        expect(page.locator("#activities li.activity")).to_have_count(1)
        wait_for_messages(esp, 1)
        assert esp.messages[0].subject.startswith("Personopplysningene dine hos ")
    finally:
        context.close()
