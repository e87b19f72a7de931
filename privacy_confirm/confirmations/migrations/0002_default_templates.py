"""The shipped email templates ("Confirmation - Contact added", the default privacy
template, and "Link renewal"), in Norwegian Bokmål and English; the sending rules that
make "Created by user", "Web form" and "Import" send the default template; and the
confirmation settings row.

The template texts live beside the app's templates (confirmations/email/<key>.<language>.*)
so they can be read and reviewed as HTML. `create_default_templates(apps, schema_editor)`
also works with the real app registry (`django.apps.apps`), which transactional tests use
to re-seed after a flush. It never overwrites what an administrator changed.
"""

from pathlib import Path

from django.db import migrations

EMAIL_DIR = Path(__file__).resolve().parent.parent / "templates" / "confirmations" / "email"

TEMPLATES = [
    {
        "key": "contact-added",
        "name": "Confirmation - Contact added",
        "description": (
            "Sent to a person when they are registered: tells them what we store, why, their "
            "rights, and gives the personal link to the customer centre (GDPR Art. 13/14)."
        ),
        "is_privacy_template": True,
        "is_default": True,
    },
    {
        "key": "link-renewal",
        "name": "Link renewal",
        "description": "Sent when a person asks for a new personal link because theirs expired.",
        "is_privacy_template": False,
        "is_default": False,
    },
]
LANGUAGES = ["nb", "en"]
SENDING_RULE_SOURCES = ["USER", "FORM", "IMPORT"]


def _read(key: str, language: str, suffix: str) -> str:
    return (EMAIL_DIR / f"{key}.{language}.{suffix}").read_text(encoding="utf-8").strip()


def create_default_templates(apps, schema_editor):
    EmailTemplate = apps.get_model("confirmations", "EmailTemplate")
    EmailTemplateTranslation = apps.get_model("confirmations", "EmailTemplateTranslation")
    ConfirmationSettings = apps.get_model("confirmations", "ConfirmationSettings")
    SendingRule = apps.get_model("confirmations", "SendingRule")
    ConsentSource = apps.get_model("contacts", "ConsentSource")

    templates = {}
    for data in TEMPLATES:
        template, _ = EmailTemplate.objects.get_or_create(
            key=data["key"],
            defaults={
                "name": data["name"],
                "description": data["description"],
                "is_privacy_template": data["is_privacy_template"],
                "is_default": data["is_default"],
                "sender_mode": "default",
                "default_language": "nb",
            },
        )
        templates[data["key"]] = template
        for language in LANGUAGES:
            EmailTemplateTranslation.objects.get_or_create(
                template=template,
                language=language,
                defaults={
                    "subject": _read(data["key"], language, "subject.txt"),
                    "body_html": _read(data["key"], language, "html") + "\n",
                    "body_text": "",
                },
            )
    for source in ConsentSource.objects.filter(key__in=SENDING_RULE_SOURCES):
        SendingRule.objects.get_or_create(source=source, defaults={"template": templates["contact-added"]})
    ConfirmationSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("confirmations", "0001_initial"), ("contacts", "0002_default_gdpr_data")]
    operations = [migrations.RunPython(create_default_templates, migrations.RunPython.noop)]
