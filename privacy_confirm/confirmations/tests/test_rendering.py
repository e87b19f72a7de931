"""Rendering an email template for a person: merge fields, escaping, the text part, the
one-line subject, dates, and what a template may not do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import Person
from contacts.tests.factories import PersonFactory
from privacy_confirm.confirmations.models import ConfirmationSettings
from privacy_confirm.confirmations.rendering import (
    MERGE_FIELDS,
    dummy_link,
    email_render,
    link_marker,
    merge_context,
    sample_person,
    subject_render,
    template_validate,
)
from privacy_confirm.confirmations.tests.templates_support import (
    LINK_EXPIRES_AT,
    LINK_URL,
    OSLO,
    full_person,
    organisation_fill,
    template_with,
)

pytestmark = pytest.mark.django_db


def render(template, person, **kwargs):  # type: ignore[no-untyped-def]
    return email_render(template=template, person=person, link_url=LINK_URL, link_expires_at=LINK_EXPIRES_AT, **kwargs)


def render_body(body: str, person: Person | None = None, *, language: str = "nb", text: str = "") -> str:
    """The text part of a one-off template whose text body is `body` (no HTML involved)."""
    template = template_with(language, body_html="<p>x</p>", body_text=text or body)
    return render(template, person or full_person(), language=language).text


# --- Merge fields ----------------------------------------------------------------------

EXPECTED_NB = {
    "person.first_name": "Åse",
    "person.last_name": "Bjørnstad",
    "person.full_name": "Åse Bjørnstad",
    "person.title": "Daglig leder",
    "person.company": "Fjord & Fjell AS",
    "person.email": "ase@fjordogfjell.example.no",
    "person.email_addresses|join:', '": "ase@fjordogfjell.example.no, ase.privat@example.com",
    "person.phone": "+47 912 34 567",
    "person.language": "nb",
    "person.language_name": "Norsk bokmål",
    "person.source": "Webskjema",
    "subscriptions|join:', '": "Nyhetsbrev",
    "organisation.name": "Nordlys Data AS",
    "organisation.address": "Strandkaien 3\n5013 Bergen",
    "organisation.email": "post@nordlys.example.no",
    "organisation.phone": "+47 55 00 11 22",
    "dpo.name": "Ingrid Lie",
    "dpo.email": "personvern@nordlys.example.no",
    "retention": "Vi sletter opplysningene senest 24 måneder etter siste kontakt.",
    "supervisory_authority.name": "Datatilsynet",
    "supervisory_authority.url": "https://www.datatilsynet.no",
    "link.url": LINK_URL,
    "link.expires": "5. januar 2027",
    "language": "nb",
}


@pytest.mark.parametrize(("field", "expected"), EXPECTED_NB.items(), ids=list(EXPECTED_NB))
def test_every_person_and_organisation_merge_field_renders_from_the_record(field, expected):
    organisation_fill()

    assert render_body(f"[{{{{ {field} }}}}]") == f"[{expected}]"


def test_consents_list_purposes_with_legal_bases_in_plain_words():
    organisation_fill()
    body = (
        "{% for consent in consents %}{{ consent.purpose }}|{{ consent.description }}|{{ consent.legal_basis }}|"
        "{{ consent.legal_basis_explained }}|{{ consent.given }}|{{ consent.can_withdraw }}|{{ consent.source }}|"
        "{{ consent.privacy_statement_url }}\n{% endfor %}"
    )

    lines = render_body(body).splitlines()

    assert lines == [
        "Salg og service|Vi lagrer kontaktopplysningene dine for å selge til deg og gi deg service som kunde."
        "|Berettiget interesse|vi har en berettiget interesse, for eksempel å følge opp kunder og kontakter, "
        "som vi har veid opp mot personvernet ditt; du kan når som helst protestere|True|True|Webskjema|",
        "E-markedsføring|Vi sender deg nyheter, tilbud og invitasjoner på e-post.|Samtykke"
        "|du har gitt oss samtykke, og du kan når som helst trekke det tilbake|True|True|Webskjema|",
    ]


def test_consents_are_in_the_email_language():
    person = full_person()

    text = render_body(
        "{% for c in consents %}{{ c.purpose }}: {{ c.legal_basis_explained }}\n{% endfor %}", person, language="en"
    )

    assert text.splitlines()[1] == "E-marketing: you have given us your consent, and you can withdraw it at any time"


def test_withdrawn_consent_says_so():
    from contacts.models import Consent, LegalBasis

    person = full_person()
    consent = Consent.objects.get(person=person, purpose__key="EMARKETING")
    consent.legal_basis = LegalBasis.objects.get(key=LegalBasis.WITHDRAWN)
    consent.save()

    text = render_body("{% for c in consents %}{{ c.given }} {{ c.can_withdraw }}\n{% endfor %}", person)

    assert text.splitlines() == ["True True", "False False"]


def test_today_is_the_local_date_in_the_email_language(monkeypatch):
    # 23:30 UTC on New Year's Eve is already 1 January in Oslo.
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC))

    assert render_body("{{ today }}") == "1. januar 2027"
    assert render_body("{{ today }}", language="en") == "1 January 2027"


def test_every_documented_merge_field_is_in_the_context():
    context = merge_context(person=full_person(), language="nb", link_url=LINK_URL, link_expires_at=LINK_EXPIRES_AT)
    documented = {field.name.split(".")[0] for field in MERGE_FIELDS} - {"consent"}

    assert set(context) == documented
    for field in MERGE_FIELDS:
        head, *rest = field.name.split(".")
        value = context["consents"][0] if head == "consent" else context[head]
        for part in rest:
            assert part in value, field.name
            value = value[part]


def test_context_holds_plain_values_only():
    context = merge_context(person=full_person(), language="nb", link_url=LINK_URL, link_expires_at=LINK_EXPIRES_AT)

    def plain(value: object) -> bool:
        if isinstance(value, dict):
            return all(isinstance(k, str) and plain(v) for k, v in value.items())
        if isinstance(value, list):
            return all(plain(item) for item in value)
        return type(value) in (str, bool)

    assert plain(context)


# --- Dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_at", "nb", "en"),
    [
        (dt.datetime(2027, 1, 5, 23, 59, 59, tzinfo=OSLO), "5. januar 2027", "5 January 2027"),
        # 23:30 UTC is 00:30 the next day in Oslo: the link works all of 6 January there.
        (dt.datetime(2027, 1, 5, 23, 30, tzinfo=dt.UTC), "6. januar 2027", "6 January 2027"),
        # Expiring at local midnight means the day before was the last one.
        (dt.datetime(2027, 1, 6, 0, 0, tzinfo=OSLO), "5. januar 2027", "5 January 2027"),
    ],
)
def test_link_expiry_is_the_last_local_day_in_the_email_language(expires_at, nb, en):
    template = template_with("nb", "en", body_html="<p>x</p>", body_text="{{ link.expires }}")
    person = full_person()

    def text(language: str) -> str:
        return email_render(
            template=template, person=person, language=language, link_url=LINK_URL, link_expires_at=expires_at
        ).text

    assert (text("nb"), text("en")) == (nb, en)


def test_link_marker_names_the_expiry_in_the_language():
    assert link_marker(LINK_EXPIRES_AT, "nb") == "[personlig lenke, gyldig til og med 5. januar 2027]"
    assert link_marker(LINK_EXPIRES_AT, "en") == "[personal link, valid until 5 January 2027]"
    assert link_marker(LINK_EXPIRES_AT, "nn") == "[personleg lenkje, gyldig til og med 5. januar 2027]"


def test_dummy_link_expires_at_the_end_of_the_day_the_validity_setting_gives(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 12, 4, 12, 0, tzinfo=OSLO))
    ConfirmationSettings.objects.update_or_create(pk=1, defaults={"link_validity_days": 10})

    url, expires_at = dummy_link()

    assert url.startswith("http")
    assert timezone.localtime(expires_at, OSLO).replace(microsecond=0) == dt.datetime(
        2026, 12, 14, 23, 59, 59, tzinfo=OSLO
    )


# --- Escaping --------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


def test_names_are_escaped_in_html_and_kept_as_typed_in_subject_and_text():
    organisation_fill(organisation_name="Fjord & Fjell AS")
    person = full_person(first_name=SCRIPT, company_name="Fjord & Fjell AS")
    template = template_with(
        "nb",
        subject="{{ person.first_name }} hos {{ organisation.name }}",
        body_html="<p>{{ person.first_name }} ({{ person.company }})</p>",
        body_text="{{ person.first_name }} ({{ person.company }})",
    )

    email = render(template, person)

    assert "&lt;script&gt;alert(1)&lt;/script&gt; (Fjord &amp; Fjell AS)" in email.html
    assert SCRIPT not in email.html
    assert email.subject == f"{SCRIPT} hos Fjord & Fjell AS"
    assert email.text == f"{SCRIPT} (Fjord & Fjell AS)"


def test_text_derived_from_html_shows_names_as_typed():
    person = full_person(first_name=SCRIPT, company_name="Fjord & Fjell AS")
    template = template_with("nb", body_html="<p>{{ person.first_name }} ({{ person.company }})</p>")

    email = render(template, person)

    assert email.text == f"{SCRIPT} (Fjord & Fjell AS)\n"


def test_subject_override_is_literal_text_not_a_template():
    template = template_with("nb")

    email = render(template, full_person(), subject_override="Hei {{ person.first_name }} & <b>velkommen</b>")

    assert email.subject == "Hei {{ person.first_name }} & <b>velkommen</b>"


# --- HTML and text parts ---------------------------------------------------------------


def test_css_is_inlined_into_the_html():
    template = template_with("nb", body_html="<style>p { color: #123456; }</style><p>Hei</p>")

    html = render(template, full_person()).html

    assert 'style="color: #123456;"' in html
    assert "<style" not in html


def test_text_part_is_derived_from_html_when_no_text_body_is_written():
    template = template_with(
        "nb",
        body_html=(
            "<html><head><title>Tittel</title><style>p { color: red; }</style></head><body>"
            "<h2>Overskrift</h2><p>Hei {{ person.first_name }}</p>"
            '<ul><li>En</li><li>To</li></ul><p><a href="{{ link.url }}">Åpne siden</a></p>'
            '<p><a href="mailto:{{ organisation.email }}">{{ organisation.email }}</a></p></body></html>'
        ),
    )
    organisation_fill()

    text = render(template, full_person()).text

    assert text == (f"Overskrift\n\nHei Åse\n\n  * En\n  * To\n\nÅpne siden <{LINK_URL}>\n\npost@nordlys.example.no\n")


def test_written_text_body_is_used_instead_of_the_html():
    template = template_with("nb", body_html="<p>HTML</p>", body_text="Tekst til {{ person.first_name }}")

    assert render(template, full_person()).text == "Tekst til Åse"


def test_rendered_email_reports_language_and_fallback():
    template = template_with("nb", default_language="nb")

    email = render(template, full_person(language="en"))

    assert (email.language, email.is_fallback) == ("nb", True)


# --- The subject is one line -----------------------------------------------------------


def test_line_breaks_stored_in_a_subject_are_removed_at_render():
    # Saved past validation (the ORM does not validate): must still not reach the header.
    template = template_with("nb", subject="Hei\r\n{{ person.first_name }}\nBcc: x@example.com")

    subject = render(template, full_person()).subject

    assert "\n" not in subject and "\r" not in subject
    assert subject == "Hei Åse Bcc: x@example.com"


def test_line_breaks_from_merge_fields_do_not_break_the_subject():
    organisation_fill(organisation_name="Nordlys\r\nData AS")
    template = template_with("nb", subject="{{ organisation.name }} / {{ organisation.address }}")

    assert render(template, full_person()).subject == "Nordlys Data AS / Strandkaien 3 5013 Bergen"


def test_subject_override_with_line_breaks_is_one_line():
    template = template_with("nb")

    assert render(template, full_person(), subject_override="Hei\r\nBcc: x@example.com").subject == (
        "Hei Bcc: x@example.com"
    )


def test_subject_render_gives_the_default_subject_for_the_dialog():
    organisation_fill(organisation_name="Fjord & Fjell AS")
    template = template_with("nb", "en", subject="{{ organisation.name }} ({{ language }})")
    person = full_person()

    assert subject_render(template=template, person=person) == "Fjord & Fjell AS (nb)"
    assert subject_render(template=template, person=person, language="en") == "Fjord & Fjell AS (en)"


# --- Validation ------------------------------------------------------------------------


def messages(source: str) -> list[str]:
    with pytest.raises(ValidationError) as error:
        template_validate(source)
    return error.value.messages


def test_syntax_error_names_its_line():
    assert messages("<p>Hei</p>\n\n{% if %}\n") == ["Line 3: Unexpected end of expression in if tag."]


def test_unclosed_tag_is_an_error():
    (message,) = messages("<p>\n{% for c in consents %}\n{{ c.purpose }}")

    assert message.startswith("Line 2:")
    assert "endfor" in message


def test_unknown_top_level_variable_names_its_line():
    assert messages("Hei\n{{ person.first_name }}\n{{ fornavn }} og {{ firma|upper }}") == [
        "Line 3: unknown merge field “fornavn”",
        "Line 3: unknown merge field “firma”",
    ]


def test_unknown_field_of_a_known_group_is_an_error():
    assert messages("{{ person.frist_name }}") == ["Line 1: unknown merge field “person.frist_name”"]


def test_unknown_variables_in_tags_and_filter_arguments_are_errors():
    assert messages("{% if kunde %}\n{{ person.title|default:stilling }}{% endif %}") == [
        "Line 1: unknown merge field “kunde”",
        "Line 2: unknown merge field “stilling”",
    ]


def test_loop_and_with_variables_are_known_inside_the_template():
    template_validate(
        "{% for consent in consents %}{{ forloop.counter }} {{ consent.purpose }}{% endfor %}"
        "{% with name=person.full_name %}{{ name|upper }}{% endwith %}"
        "{% filter lower %}{{ today }}{% endfilter %}{% cycle 'a' 'b' as row %}{{ row }}"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{% include 'base.html' %}",
        "{% load i18n %}",
        "{% load %}",
        "{% extends 'base.html' %}",
        "{% url 'login' %}",
        "{% debug %}",
    ],
)
def test_a_template_cannot_include_load_or_extend(source):
    (message,) = messages(f"Hei\n{source}")

    assert message.startswith("Line 2: Invalid block tag")


def test_include_saved_past_validation_fails_at_render():
    template = template_with("nb", body_html="<p>Hei</p>{% include 'base.html' %}")

    with pytest.raises(ValidationError):
        render(template, full_person())


def test_the_sample_person_renders_every_documented_field():
    organisation_fill()
    url, expires_at = dummy_link()
    context = merge_context(person=sample_person(), language="nb", link_url=url, link_expires_at=expires_at)

    assert context["person"]["company"] == "Fjord & Fjell AS"
    assert context["person"]["email_addresses"]
    assert [c["purpose"] for c in context["consents"]] == ["Salg og service", "E-markedsføring"]
    assert Person.objects.count() == 0  # the sample person is never saved


def test_rendering_a_real_person_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    template = template_with("nb")
    person = full_person()
    template = type(template).objects.prefetch_related("translations").get(pk=template.pk)
    person = Person.objects.select_related("company", "source").get(pk=person.pk)

    with django_assert_max_num_queries(6):
        render(template, person)


def test_person_factory_without_company_or_addresses_renders():
    person = PersonFactory(language="nb")
    template = template_with("nb", body_text="[{{ person.company }}][{{ person.email }}][{{ consents|length }}]")

    assert render(template, person).text == "[][][0]"
