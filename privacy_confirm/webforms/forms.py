"""The public form, built from an administrator's WebForm definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contacts.models import Purpose, SubscriptionType
from privacy_confirm.webforms.models import FieldMode, WebForm

# The honeypot's name: a field bots like to fill. It is hidden from people (CSS, aria-hidden,
# tabindex=-1, autocomplete=off), so anything in it means a robot sent the form.
HONEYPOT_FIELD = "website"

# Lengths of the columns the values end up in (Person, Company, EmailAddress).
PERSON_FIELD_SPECS: dict[str, tuple[Any, int, str]] = {
    "first_name": (_("First name"), 100, "given-name"),
    "last_name": (_("Last name"), 100, "family-name"),
    "title": (_("Title"), 100, "organization-title"),
    "company": (_("Company"), 200, "organization"),
    "phone": (_("Phone"), 40, "tel"),
}
FIELD_ORDER = ["first_name", "last_name", "email", "phone", "company", "title"]


@dataclass(frozen=True)
class ConsentBox:
    """One consent checkbox as the person sees it; the texts shown are the evidence."""

    purpose: Purpose
    required: bool
    approval_text: str
    privacy_statement_title: str
    privacy_statement_url: str


@dataclass(frozen=True)
class SubscriptionBox:
    subscription_type: SubscriptionType
    name: str
    description: str


def consent_boxes(webform: WebForm) -> list[ConsentBox]:
    """The consent boxes in the form's language. Needs `webform_get_public`'s prefetches."""
    boxes = []
    for form_purpose in webform.public_purposes:  # type: ignore[attr-defined]
        purpose = form_purpose.purpose
        url = (
            purpose.translated("privacy_statement_url", webform.language) if form_purpose.show_privacy_statement else ""
        )
        boxes.append(
            ConsentBox(
                purpose=purpose,
                required=form_purpose.required,
                approval_text=purpose.translated("approval_text", webform.language)
                or purpose.translated("name", webform.language),
                privacy_statement_title=purpose.translated("privacy_statement_title", webform.language)
                or gettext("Privacy statement"),
                privacy_statement_url=url,
            )
        )
    return boxes


def subscription_boxes(webform: WebForm) -> list[SubscriptionBox]:
    return [
        SubscriptionBox(
            subscription_type=subscription_type,
            name=subscription_type.translated("name", webform.language),
            description=subscription_type.translated("description", webform.language),
        )
        for subscription_type in webform.public_subscription_types  # type: ignore[attr-defined]
    ]


class WebFormSubmissionForm(forms.Form):
    """Validates one submission. Build and validate it inside `translation.override(form
    language)` so the error messages are in the form's language."""

    email = forms.EmailField(label=_("Email address"), max_length=254)
    purposes = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Consent"))
    subscriptions = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_("Subscriptions"))

    def __init__(self, *args: Any, webform: WebForm, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.webform = webform
        self.consent_boxes = consent_boxes(webform)
        self.subscription_boxes = subscription_boxes(webform)
        self.fields["email"].widget.attrs.update(autocomplete="email")
        for name, (label, max_length, autocomplete) in PERSON_FIELD_SPECS.items():
            mode = webform.field_mode(name)
            if mode == FieldMode.HIDDEN:
                continue
            self.fields[name] = forms.CharField(
                label=label,
                max_length=max_length,
                required=mode == FieldMode.REQUIRED,
                widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
            )
        self.order_fields(FIELD_ORDER)
        self.fields["purposes"].choices = [(box.purpose.pk, box.approval_text) for box in self.consent_boxes]
        self.fields["subscriptions"].choices = [(box.subscription_type.pk, box.name) for box in self.subscription_boxes]

    @property
    def person_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in ("purposes", "subscriptions")]

    def clean_purposes(self) -> list[int]:
        chosen = self.cleaned_data["purposes"]
        missing = [box for box in self.consent_boxes if box.required and box.purpose.pk not in chosen]
        if missing:
            raise forms.ValidationError(
                [
                    forms.ValidationError(
                        gettext("You must tick “%(text)s” to send the form.") % {"text": box.approval_text}
                    )
                    for box in missing
                ]
            )
        return chosen

    def chosen_consent_boxes(self) -> list[ConsentBox]:
        chosen = set(self.cleaned_data["purposes"])
        return [box for box in self.consent_boxes if box.purpose.pk in chosen]

    def chosen_subscription_types(self) -> list[SubscriptionType]:
        chosen = set(self.cleaned_data["subscriptions"])
        return [box.subscription_type for box in self.subscription_boxes if box.subscription_type.pk in chosen]

    def _ticked(self, name: str) -> set[str]:
        return set(self.data.getlist(name)) if self.is_bound else set()

    @property
    def consent_rows(self) -> list[tuple[ConsentBox, bool]]:
        """Each box with whether it is ticked, so a page with errors keeps the person's choices."""
        ticked = self._ticked("purposes")
        return [(box, str(box.purpose.pk) in ticked) for box in self.consent_boxes]

    @property
    def subscription_rows(self) -> list[tuple[SubscriptionBox, bool]]:
        ticked = self._ticked("subscriptions")
        return [(box, str(box.subscription_type.pk) in ticked) for box in self.subscription_boxes]


def honeypot_filled(data: Any) -> bool:
    return bool((data.get(HONEYPOT_FIELD) or "").strip())
