"""Forms of the confirmations app: the send dialog on the person page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from contacts.models import EmailAddress, Person
from privacy_confirm.confirmations.models import EmailTemplate
from privacy_confirm.confirmations.rendering import (
    TemplateTranslationMissing,
    language_resolve,
    subject_render,
    template_languages,
)

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def privacy_templates() -> QuerySet[EmailTemplate]:
    return EmailTemplate.objects.filter(is_privacy_template=True).order_by("-is_default", "name")


@dataclass(frozen=True)
class SendState:
    """What the send form shows: the choices the user made so far, completed with defaults.

    One function decides it for the first GET, the preview fragment, the no-JS refresh and
    the re-render after an address was added, so they all agree."""

    recipient: str
    template: EmailTemplate | None
    language: str
    languages: list[str]
    best_language: str
    best_is_fallback: bool
    subject: str
    subject_default: str
    idempotency_key: str
    new_address: str = ""

    @property
    def initial(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "template": self.template.pk if self.template else None,
            "template_shown": self.template.pk if self.template else "",
            "language": self.language,
            "subject": self.subject,
            "subject_default": self.subject_default,
            "idempotency_key": self.idempotency_key,
            "new_address": self.new_address,
        }


def _person_addresses(person: Person) -> list[EmailAddress]:
    # EmailAddress's default ordering is rank, id; .all() uses the view's prefetched addresses.
    return list(person.email_addresses.all())


def send_state(*, person: Person, data: QueryDict | dict[str, str] | None = None) -> SendState:
    """The form's state after the user's input in `data`.

    A hidden `template_shown` remembers the template the form was drawn for: when the user
    picks another template, its best language is preselected again."""
    data = data or {}
    addresses = [a.address for a in _person_addresses(person)]
    recipient = data.get("recipient", "")
    if recipient not in addresses:
        recipient = addresses[0] if addresses else ""

    # The translations come along: the languages, the best one and the subject all read them.
    templates = privacy_templates().prefetch_related("translations")
    template = None
    if str(data.get("template", "")).isdigit():
        template = templates.filter(pk=int(data["template"])).first()
    template = template or templates.first()

    languages = template_languages(template=template) if template else []
    best_language, best_is_fallback = "", False
    if template and languages:
        resolved = language_resolve(template=template, person=person)
        best_language, best_is_fallback = resolved.language, resolved.is_fallback
    language = data.get("language", "")
    template_changed = template is not None and data.get("template_shown", "") != str(template.pk)
    if template_changed or language not in languages:
        language = best_language

    subject_default = ""
    if template and language:
        try:
            subject_default = subject_render(template=template, person=person, language=language)
        except TemplateTranslationMissing:
            subject_default = ""
    # The subject follows template and language until the user edits it: an edited subject
    # differs from the default the form last showed.
    subject = data.get("subject")
    if subject is None or subject == data.get("subject_default", ""):
        subject = subject_default

    key = data.get("idempotency_key", "")
    try:
        key = str(uuid.UUID(key))
    except (TypeError, ValueError, AttributeError):
        key = str(uuid.uuid4())

    return SendState(
        recipient=recipient,
        template=template,
        language=language,
        languages=languages,
        best_language=best_language,
        best_is_fallback=best_is_fallback,
        subject=subject,
        subject_default=subject_default,
        idempotency_key=key,
        new_address=data.get("new_address", ""),
    )


class SendConfirmationForm(forms.Form):
    recipient = forms.ChoiceField(label=_("Send to"))
    template = forms.ModelChoiceField(label=_("Use template"), queryset=EmailTemplate.objects.none(), empty_label=None)
    language = forms.ChoiceField(label=_("Language"))
    subject = forms.CharField(
        label=_("Subject"), max_length=300, strip=False, error_messages={"required": _("Enter a subject.")}
    )
    subject_default = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    template_shown = forms.CharField(required=False, widget=forms.HiddenInput)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, person: Person, state: SendState, preview_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.state = state
        self.fields["recipient"].choices = [(a.address, a.address) for a in _person_addresses(person)]
        self.fields["template"].queryset = privacy_templates()
        self.fields["language"].choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in state.languages]
        if not state.languages:
            # The template's own error says why; "select a valid choice" here would only add noise.
            self.fields["language"].required = False
        self.fields["subject"].widget.attrs.update({"maxlength": 300, "autocomplete": "off"})
        for name in ("recipient", "template", "language", "subject", "subject_default", "template_shown"):
            self.fields[name].widget.attrs["class"] = "send-state"
        if preview_url:
            # Each change redraws the preview (a GET: it changes nothing). The subject waits
            # for a pause in typing.
            for name in ("recipient", "template", "language", "subject"):
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": preview_url,
                        "hx-include": ".send-state",
                        "hx-target": "#send-preview",
                        "hx-swap": "outerHTML",
                        # One preview at a time: a newer change aborts the older request, so
                        # a slow answer cannot overwrite a newer preview.
                        "hx-sync": "#send-fields:replace",
                        "hx-trigger": "input changed delay:400ms" if name == "subject" else "change",
                    }
                )
        self.fields["subject"].widget.attrs["aria-describedby"] = "subject-help"

    def add_error(self, field: str | None, error: Any) -> None:
        """Every error, from a field, clean() or the view, is tied to its input, so a screen
        reader announces it there (the templates give each message the id `<field>-error`)."""
        super().add_error(field, error)
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            described_by = attrs.get("aria-describedby", "").split()
            if f"{name}-error" not in described_by:
                attrs["aria-describedby"] = " ".join([*described_by, f"{name}-error"])
            attrs["aria-invalid"] = "true"

    def clean_subject(self) -> str:
        subject: str = self.cleaned_data["subject"]
        # A subject is one header line: a line break would let text spill into other headers.
        if "\r" in subject or "\n" in subject:
            raise ValidationError(_("The subject must be a single line."), code="line_break")
        subject = subject.strip()
        if not subject:
            raise ValidationError(_("Enter a subject."), code="required")
        return subject

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        template = cleaned.get("template")
        if template is not None and not template_languages(template=template):
            self.add_error("template", _("This template has no translation. Add one in the template settings."))
        return cleaned


class EmailAddressAddForm(forms.Form):
    new_address = forms.EmailField(label=_("New email address"), max_length=254)
