"""An administrator previews the default privacy template in both languages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from contacts.models import OrganisationSettings
from privacy_confirm.confirmations.tests.templates_support import full_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def superuser(db):  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_superuser("root", "root@example.org", "root-password-123")


def log_in(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("root-password-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Email templates")).to_be_visible()


def test_admin_previews_the_default_template_in_norwegian_and_english(page, live_server, superuser, tmp_path):
    OrganisationSettings.objects.filter(pk=1).update(organisation_name="Fjord & Fjell AS")
    log_in(page, live_server)

    page.get_by_role("link", name="Email templates").click()
    page.get_by_role("link", name="Confirmation - Contact added").click()
    page.get_by_role("link", name="Preview").click()

    # Norwegian first: the template's default language, for the sample person.
    expect(page.locator("#preview-subject")).to_have_text("Personopplysningene dine hos Fjord & Fjell AS")
    email = page.frame_locator("#preview-html")
    expect(email.get_by_role("heading", level=1)).to_have_text("Personopplysningene dine hos Fjord & Fjell AS")
    expect(email.get_by_text("Hei Kari,")).to_be_visible()
    expect(email.get_by_role("link", name="Åpne den personlige siden din")).to_be_visible()
    expect(page.locator("#preview-text")).to_contain_text("Rettighetene dine")
    page.screenshot(path=str(tmp_path / "preview-nb.png"), full_page=True)

    page.get_by_role("link", name="en", exact=True).click()

    expect(page.locator("#preview-subject")).to_have_text("Your personal data at Fjord & Fjell AS")
    expect(email.get_by_text("Hello Kari,")).to_be_visible()
    expect(email.get_by_role("link", name="Open your personal page")).to_be_visible()
    expect(page.locator("#preview-text")).to_contain_text(re.compile(r"It works until and including \d+ \w+ \d{4}"))
    page.screenshot(path=str(tmp_path / "preview-en.png"), full_page=True)


def test_admin_previews_for_a_person_chosen_by_autocomplete(page, live_server, superuser):
    full_person(first_name="Ingvild")
    log_in(page, live_server)
    page.goto(live_server.url + "/admin/confirmations/emailtemplate/")
    page.get_by_role("link", name="Confirmation - Contact added").click()
    page.get_by_role("link", name="Preview").click()

    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("Ingvild")
    page.locator(".select2-results__option", has_text="Ingvild").click()
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_role("button", name="Show preview").click()

    expect(page.frame_locator("#preview-html").get_by_text("Hello Ingvild,")).to_be_visible()
    expect(page.locator("#preview-text")).to_contain_text("Company: Fjord & Fjell AS")
