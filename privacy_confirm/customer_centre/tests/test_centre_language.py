"""Which language the customer centre speaks to a person."""

import pytest

from privacy_confirm.customer_centre.selectors import centre_language


@pytest.mark.parametrize(
    ("person_language", "requested", "expected"),
    [
        ("nb", "", "nb"),
        ("nn", "", "nb"),  # Nynorsk readers get Bokmål: the centre has no nn catalogue
        ("no", "", "nb"),
        ("nb_NO", "", "nb"),
        ("en-GB", "", "en"),
        ("de", "", "en"),  # untranslated languages get English
        ("", "", "nb"),  # no customer language: the site's
        ("nb", "en", "en"),  # the switch wins
        ("en", "fr", "en"),  # a switch to a language the centre lacks is ignored
    ],
)
def test_centre_language(settings, person_language, requested, expected):
    settings.LANGUAGE_CODE = "nb"
    settings.UI_LANGUAGES = ["nb", "en"]
    assert centre_language(person_language=person_language, requested=requested) == expected
