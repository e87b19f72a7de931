"""Helpers for the template and rendering tests: template factories and a person with
every field filled in, registered through the real service."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import factory

from contacts.models import Company, LegalBasis, OrganisationSettings, Person, Purpose
from contacts.services import ConsentGrant, EmailAddressData, person_register
from privacy_confirm.confirmations.models import EmailTemplate, EmailTemplateTranslation

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
LINK_URL = "https://crm.example.org/privacy/token-123/"
# The last day the link works is 5 January 2027 in Oslo.
LINK_EXPIRES_AT = dt.datetime(2027, 1, 5, 23, 59, 59, tzinfo=OSLO)


class EmailTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplate

    key = factory.Sequence(lambda n: f"template-{n}")
    name = factory.Sequence(lambda n: f"Template {n}")
    default_language = "nb"


class TranslationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmailTemplateTranslation

    template = factory.SubFactory(EmailTemplateFactory)
    language = "nb"
    subject = "Hei {{ person.first_name }}"
    body_html = "<p>Hei {{ person.full_name }}</p>"
    body_text = ""


def template_with(*languages: str, default_language: str = "nb", **fields: str) -> EmailTemplate:
    template = EmailTemplateFactory(default_language=default_language)
    for language in languages:
        TranslationFactory(template=template, language=language, **fields)
    return template


def organisation_fill(**overrides: object) -> OrganisationSettings:
    organisation = OrganisationSettings.load()
    values = {
        "organisation_name": "Nordlys Data AS",
        "address": "Strandkaien 3\n5013 Bergen",
        "contact_email": "post@nordlys.example.no",
        "phone": "+47 55 00 11 22",
        "dpo_name": "Ingrid Lie",
        "dpo_email": "personvern@nordlys.example.no",
        "retention_text": "Vi sletter opplysningene senest 24 måneder etter siste kontakt.",
        "retention_text_translations": {},
        "supervisory_authority_name": "Datatilsynet",
        "supervisory_authority_url": "https://www.datatilsynet.no",
        **overrides,
    }
    for name, value in values.items():
        setattr(organisation, name, value)
    organisation.save()
    return organisation


def full_person(*, first_name: str = "Åse", company_name: str = "Fjord & Fjell AS", language: str = "nb") -> Person:
    """A person with every field, two addresses, both default purposes and a subscription."""
    return person_register(
        first_name=first_name,
        last_name="Bjørnstad",
        title="Daglig leder",
        company=Company.objects.create(name=company_name),
        phone="+47 912 34 567",
        language=language,
        email_addresses=[
            EmailAddressData("ase@fjordogfjell.example.no"),
            EmailAddressData("ase.privat@example.com"),
        ],
        source_key="FORM",
        consents=[
            ConsentGrant(purpose=Purpose.objects.get(key=Purpose.EMARKETING), legal_basis_key=LegalBasis.CONSENT)
        ],
        subscription_type_keys=["NEWSLETTER"],
    )
