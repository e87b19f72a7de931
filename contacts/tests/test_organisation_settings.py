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


def test_admin_offers_only_active_legal_bases_and_sources(client):
    from django.urls import reverse

    from contacts.models import ConsentSource, LegalBasis
    from contacts.tests.factories import PersonFactory, UserFactory

    LegalBasis.objects.filter(key="61E").update(active=False)
    ConsentSource.objects.filter(key="CHAT").update(active=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    settings_form = client.get(reverse("admin:contacts_organisationsettings_change", args=[1])).context["adminform"]
    bases = settings_form.form.fields["default_store_legal_basis"].queryset
    assert not bases.filter(key="61E").exists()
    assert bases.filter(key="61F").exists()

    person_form = client.get(reverse("admin:contacts_person_change", args=[PersonFactory().pk])).context["adminform"]
    sources = person_form.form.fields["source"].queryset
    assert not sources.filter(key="CHAT").exists()
    assert sources.filter(key="USER").exists()


def test_admin_keeps_the_inactive_source_a_person_already_has(client):
    from django.urls import reverse

    from contacts.models import ConsentSource
    from contacts.tests.factories import PersonFactory, UserFactory

    chat = ConsentSource.objects.get(key="CHAT")
    person = PersonFactory(source=chat)
    ConsentSource.objects.filter(pk=chat.pk).update(active=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    form = client.get(reverse("admin:contacts_person_change", args=[person.pk])).context["adminform"].form
    assert form.fields["source"].queryset.filter(pk=chat.pk).exists()
