"""Helpers for the outbox tests: a small privacy template with a sending rule, and
registration through the real service (the only way the automatic email is queued)."""

from __future__ import annotations

from contacts.models import ConsentSource, Person
from contacts.services import EmailAddressData, person_register
from privacy_confirm.confirmations.models import EmailTemplate, EmailTemplateTranslation, SendingRule

HTML = (
    "<p>Hei {{ person.first_name }}, {{ organisation.name }} lagrer opplysninger om deg.</p>"
    '<p><a href="{{ link.url }}">Se hva vi har lagret</a> (gyldig til {{ link.expires }})</p>'
)


def outbox_template(*, key: str = "outbox-test", languages: tuple[str, ...] = ("nb", "en")) -> EmailTemplate:
    template, _ = EmailTemplate.objects.get_or_create(key=key, defaults={"name": f"Template {key}"})
    for language in languages:
        EmailTemplateTranslation.objects.get_or_create(
            template=template,
            language=language,
            defaults={"subject": f"Personvern ({language}) for {{{{ person.first_name }}}}", "body_html": HTML},
        )
    return template


def sending_rule(
    *, source_key: str = ConsentSource.CREATED_BY_USER, template: EmailTemplate | None = None
) -> SendingRule:
    template = template or outbox_template()
    rule, _ = SendingRule.objects.update_or_create(
        source=ConsentSource.objects.get(key=source_key), defaults={"template": template}
    )
    return rule


def register(
    *, first_name: str = "Kari", email: str | None = "kari@example.com", source_key: str = ConsentSource.CREATED_BY_USER
) -> Person:
    return person_register(
        first_name=first_name,
        last_name="Nordmann",
        language="nb",
        email_addresses=[EmailAddressData(email)] if email else [],
        source_key=source_key,
    )
