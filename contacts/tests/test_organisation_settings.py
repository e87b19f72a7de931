import pytest

from contacts.models import OrganisationSettings

pytestmark = pytest.mark.django_db


def test_retention_text_follows_the_language_and_falls_back_to_the_default_text():
    organisation = OrganisationSettings.load()
    organisation.retention_text = "We keep it for two years."
    organisation.retention_text_translations = {"nb": "Vi tar vare på det i to år."}

    assert organisation.retention_text_for("nb") == "Vi tar vare på det i to år."
    assert organisation.retention_text_for("nb-NO") == "Vi tar vare på det i to år."
    assert organisation.retention_text_for("en") == "We keep it for two years."
    assert organisation.retention_text_for("de") == "We keep it for two years."


def test_the_shipped_settings_have_a_norwegian_retention_text():
    assert OrganisationSettings.load().retention_text_for("nb").startswith("Vi tar vare på opplysningene dine")
