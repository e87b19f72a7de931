"""The templates, sending rules and settings row shipped by the data migration."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from contacts.models import ConsentSource, OrganisationSettings
from privacy_confirm.confirmations.models import (
    ConfirmationSettings,
    EmailTemplate,
    EmailTemplateTranslation,
    SendingRule,
)
from privacy_confirm.confirmations.rendering import email_render, template_validate
from privacy_confirm.confirmations.tests.templates_support import (
    LINK_EXPIRES_AT,
    LINK_URL,
    full_person,
    organisation_fill,
)

pytestmark = pytest.mark.django_db

migration = importlib.import_module("privacy_confirm.confirmations.migrations.0002_default_templates")


def default_template() -> EmailTemplate:
    return EmailTemplate.objects.get(key=EmailTemplate.CONTACT_ADDED)


def render(language: str, key: str = EmailTemplate.CONTACT_ADDED, person=None):  # type: ignore[no-untyped-def]
    return email_render(
        template=EmailTemplate.objects.get(key=key),
        person=person or full_person(),
        language=language,
        link_url=LINK_URL,
        link_expires_at=LINK_EXPIRES_AT,
    )


def test_default_privacy_template_ships_in_norwegian_and_english():
    template = default_template()

    assert template.name == "Confirmation - Contact added"
    assert template.is_default and template.is_privacy_template
    assert sorted(template.translations.values_list("language", flat=True)) == ["en", "nb"]


def test_link_renewal_template_ships_but_is_not_a_privacy_template():
    template = EmailTemplate.objects.get(key=EmailTemplate.LINK_RENEWAL)

    assert not template.is_privacy_template and not template.is_default
    assert sorted(template.translations.values_list("language", flat=True)) == ["en", "nb"]


def test_user_web_form_and_import_send_the_default_template():
    rules = SendingRule.objects.select_related("source", "template")

    assert {rule.source.key: rule.template.key for rule in rules} == {
        ConsentSource.CREATED_BY_USER: EmailTemplate.CONTACT_ADDED,
        ConsentSource.WEB_FORM: EmailTemplate.CONTACT_ADDED,
        ConsentSource.IMPORT: EmailTemplate.CONTACT_ADDED,
    }


def test_confirmation_settings_row_exists_with_21_day_links():
    settings_row = ConfirmationSettings.objects.get(pk=1)

    assert settings_row.automatic_sending
    assert settings_row.link_validity_days == 21


def test_every_shipped_translation_passes_validation():
    for translation in EmailTemplateTranslation.objects.all():
        template_validate(translation.subject)
        template_validate(translation.body_html)
        assert "\n" not in translation.subject


# What Art. 13/14 asks the email to tell, as the nb and en texts say it.
ART_13_14 = {
    "nb": [
        "Nordlys Data AS er ansvarlig for personopplysningene dine (behandlingsansvarlig)",
        "Strandkaien 3",
        "post@nordlys.example.no",
        "+47 55 00 11 22",
        "Personvernombudet vårt: Ingrid Lie, personvern@nordlys.example.no",
        "Navn: Åse Bjørnstad",
        "Stilling: Daglig leder",
        "Firma: Fjord & Fjell AS",
        "E-post: ase@fjordogfjell.example.no, ase.privat@example.com",
        "Telefon: +47 912 34 567",
        "Abonnementer: Nyhetsbrev",
        "Salg og service.",
        "Rettslig grunnlag: Berettiget interesse, det vil si at vi har en berettiget interesse",
        "E-markedsføring.",
        "Rettslig grunnlag: Samtykke, det vil si at du har gitt oss samtykke",
        "Vi sletter opplysningene senest 24 måneder etter siste kontakt.",
        "Innsyn:",
        "Retting:",
        "Sletting:",
        "Begrensning:",
        "Protest:",
        "Dataportabilitet:",
        "Tilbaketrekking av samtykke:",
        "når som helst trekke det tilbake",
        "rett til å klage til tilsynsmyndigheten, Datatilsynet (https://www.datatilsynet.no)",
        "Registrert via: Webskjema",
        "Vi oppbevarer opplysningene dine sikkert",
        "vi deler dem ikke med andre",
        f"Åpne den personlige siden din <{LINK_URL}>",
        "Den virker til og med 5. januar 2027",
    ],
    "en": [
        "Nordlys Data AS is responsible for your personal data (the controller)",
        "Strandkaien 3",
        "post@nordlys.example.no",
        "+47 55 00 11 22",
        "Our data protection officer: Ingrid Lie, personvern@nordlys.example.no",
        "Name: Åse Bjørnstad",
        "Title: Daglig leder",
        "Company: Fjord & Fjell AS",
        "Email: ase@fjordogfjell.example.no, ase.privat@example.com",
        "Phone: +47 912 34 567",
        "Subscriptions: Newsletter",
        "Sales and service.",
        "Legal basis: Legitimate interest, which means that we have a legitimate interest",
        "E-marketing.",
        "Legal basis: Consent, which means that you have given us your consent",
        "Vi sletter opplysningene senest 24 måneder etter siste kontakt.",
        "Access:",
        "Rectification:",
        "Erasure:",
        "Restriction:",
        "Objection:",
        "Data portability:",
        "Withdrawal of consent:",
        "you can withdraw it at any time",
        "right to complain to the supervisory authority, Datatilsynet (https://www.datatilsynet.no)",
        "Registered through: Web form",
        "We keep your data secure",
        "we do not share it with others",
        f"Open your personal page <{LINK_URL}>",
        "It works until and including 5 January 2027",
    ],
}


@pytest.mark.parametrize("language", ["nb", "en"])
def test_default_template_tells_everything_art_13_and_14_ask_for(language):
    organisation_fill()

    email = render(language)

    missing = [phrase for phrase in ART_13_14[language] if phrase not in email.text]
    assert missing == []
    assert f'href="{LINK_URL}"' in email.html
    assert (
        email.subject
        == {"nb": "Personopplysningene dine hos Nordlys Data AS", "en": "Your personal data at Nordlys Data AS"}[
            language
        ]
    )


def test_default_template_escapes_names_in_html():
    organisation_fill(organisation_name="Fjord & Fjell AS")

    email = render("nb", person=full_person(first_name="<script>alert(1)</script>"))

    assert "<script>alert(1)</script>" not in email.html
    assert "Hei &lt;script&gt;alert(1)&lt;/script&gt;," in email.html
    assert "Personopplysningene dine hos Fjord &amp; Fjell AS" in email.html
    assert email.subject == "Personopplysningene dine hos Fjord & Fjell AS"
    assert "Hei <script>alert(1)</script>," in email.text


def test_default_template_leaves_out_the_dpo_when_there_is_none():
    organisation_fill(dpo_name="", dpo_email="")

    assert "Personvernombudet" not in render("nb").text


def test_link_renewal_gives_the_new_link_and_its_expiry():
    organisation_fill()

    email = render("nb", key=EmailTemplate.LINK_RENEWAL)

    assert email.subject == "Ny personlig lenke fra Nordlys Data AS"
    assert f"<{LINK_URL}>" in email.text
    assert "Lenken virker til og med 5. januar 2027." in email.text


def test_migration_function_reseeds_with_the_real_app_registry_and_keeps_admin_edits():
    translation = EmailTemplateTranslation.objects.get(template=default_template(), language="nb")
    translation.subject = "Endret av administrator"
    translation.save()
    SendingRule.objects.filter(source__key=ConsentSource.IMPORT).delete()
    EmailTemplate.objects.filter(key=EmailTemplate.LINK_RENEWAL).delete()

    migration.create_default_templates(apps, None)

    translation.refresh_from_db()
    assert translation.subject == "Endret av administrator"
    assert SendingRule.objects.filter(source__key=ConsentSource.IMPORT).exists()
    assert EmailTemplate.objects.get(key=EmailTemplate.LINK_RENEWAL).translations.count() == 2


def test_default_organisation_renders_without_extra_settings():
    OrganisationSettings.load()

    email = render("en")

    assert "Example AS is responsible for your personal data" in email.text
