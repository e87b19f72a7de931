"""Factories for web forms. A form made here asks for the defaults' purposes only when told to."""

from __future__ import annotations

import factory

from contacts.models import Purpose
from privacy_confirm.webforms.models import FieldMode, WebForm, WebFormPurpose


class WebFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebForm

    name = factory.Sequence(lambda n: f"Nyhetsbrev {n}")
    slug = factory.Sequence(lambda n: f"nyhetsbrev-{n}")
    language = "nb"
    heading = "Meld deg på nyhetsbrevet"
    thank_you_text = "Takk for påmeldingen!"
    allowed_origins = "https://www.fjordogfjell.example.no"
    first_name = FieldMode.REQUIRED
    last_name = FieldMode.OPTIONAL
    company = FieldMode.OPTIONAL


class WebFormPurposeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebFormPurpose

    webform = factory.SubFactory(WebFormFactory)
    purpose = factory.LazyFunction(lambda: Purpose.objects.get(key=Purpose.STORE))
    required = False
