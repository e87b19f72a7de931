"""Which translation an email is rendered in, and whether that was a fallback."""

from __future__ import annotations

import pytest

from contacts.tests.factories import PersonFactory
from privacy_confirm.confirmations.rendering import (
    ResolvedLanguage,
    TemplateTranslationMissing,
    language_resolve,
    template_languages,
)
from privacy_confirm.confirmations.tests.templates_support import template_with

pytestmark = pytest.mark.django_db


def test_person_language_is_used_when_the_template_has_it():
    template = template_with("nb", "en")
    person = PersonFactory(language="en")

    assert language_resolve(template=template, person=person) == ResolvedLanguage("en", is_fallback=False)


def test_dialog_choice_beats_the_person_language():
    template = template_with("nb", "en")
    person = PersonFactory(language="nb")

    assert language_resolve(template=template, person=person, requested="en") == ResolvedLanguage("en", False)


def test_missing_person_language_falls_back_to_the_template_default():
    template = template_with("nb", "en", default_language="en")
    person = PersonFactory(language="de")

    assert language_resolve(template=template, person=person) == ResolvedLanguage("en", is_fallback=True)


def test_person_without_language_gets_the_template_default_without_fallback_flag():
    template = template_with("nb", "en", default_language="en")
    person = PersonFactory(language="")

    assert language_resolve(template=template, person=person) == ResolvedLanguage("en", is_fallback=False)


def test_no_person_gets_the_template_default():
    template = template_with("nb", "en", default_language="en")

    assert language_resolve(template=template, person=None) == ResolvedLanguage("en", is_fallback=False)


def test_language_code_setting_is_the_last_resort(settings):
    settings.LANGUAGE_CODE = "en"
    template = template_with("sv", "en", default_language="de")
    person = PersonFactory(language="da")

    assert language_resolve(template=template, person=person) == ResolvedLanguage("en", is_fallback=True)


def test_nothing_matching_uses_a_translation_the_template_has(settings):
    settings.LANGUAGE_CODE = "nb"
    template = template_with("sv", default_language="de")
    person = PersonFactory(language="da")

    assert language_resolve(template=template, person=person) == ResolvedLanguage("sv", is_fallback=True)


@pytest.mark.parametrize(
    ("wanted", "available", "expected"),
    [
        ("nn", ("nb", "en"), "nb"),
        ("no", ("nb", "en"), "nb"),
        ("nb", ("nn", "en"), "nn"),
        ("no", ("nn", "en"), "nn"),
        ("nn", ("no", "en"), "no"),
        ("nb", ("no", "nn"), "no"),
    ],
)
def test_norwegian_written_standards_stand_in_for_each_other(wanted, available, expected):
    template = template_with(*available, default_language="en")

    resolved = language_resolve(template=template, person=PersonFactory(language=""), requested=wanted)

    assert resolved == ResolvedLanguage(expected, is_fallback=True)


def test_norwegian_is_preferred_over_the_template_default():
    template = template_with("nb", "en", default_language="en")

    resolved = language_resolve(template=template, person=PersonFactory(language="nn"))

    assert resolved == ResolvedLanguage("nb", is_fallback=True)


@pytest.mark.parametrize("wanted", ["en-GB", "en_gb", "EN-us"])
def test_regional_code_falls_back_to_its_base_language(wanted):
    template = template_with("nb", "en")

    resolved = language_resolve(template=template, person=PersonFactory(language="nb"), requested=wanted)

    assert resolved == ResolvedLanguage("en", is_fallback=True)


def test_exact_code_is_not_a_fallback_whatever_its_case():
    template = template_with("nb", "en")

    assert language_resolve(template=template, person=None, requested="EN") == ResolvedLanguage("en", False)


def test_template_without_translations_cannot_be_resolved():
    template = template_with()

    with pytest.raises(TemplateTranslationMissing):
        language_resolve(template=template, person=PersonFactory())


def test_template_languages_lists_its_translations():
    template = template_with("nb", "en", "de")

    assert template_languages(template=template) == ["de", "en", "nb"]
