"""Web forms defined by administrators: the public pages that register a person together
with the consents they give. A form only collects; the rows about the person are written
by `contacts.services` (see `webforms.services.webform_submit`)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Person, Purpose, SubscriptionType

# An origin as CSP's frame-ancestors takes it: scheme, host (optionally "*." first), port.
# Anything else (paths, quotes, spaces, semicolons) could change the meaning of the header.
ORIGIN_PATTERN = re.compile(
    r"^https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)


def origins_parse(text: str) -> list[str]:
    """The allowed embedding origins, one a line, lower-cased and without a trailing slash."""
    return [line.strip().rstrip("/").lower() for line in (text or "").splitlines() if line.strip()]


def validate_origins(text: str) -> None:
    bad = [origin for origin in origins_parse(text) if not ORIGIN_PATTERN.match(origin)]
    if bad:
        raise ValidationError(
            _("Not an origin (write it like https://www.example.org, without a path): %(origins)s"),
            params={"origins": ", ".join(bad)},
        )


class FieldMode(models.TextChoices):
    HIDDEN = "hidden", _("Not shown")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


class WebForm(models.Model):
    # The person fields a form may ask for, in the order shown; the email address is always
    # shown and always required.
    PERSON_FIELDS = ("first_name", "last_name", "title", "company", "phone")

    name = models.CharField(_("name"), max_length=200, help_text=_("Shown to staff only."))
    slug = models.SlugField(
        _("public id"),
        max_length=80,
        unique=True,
        help_text=_("The public address is /forms/PUBLIC-ID/. Changing it breaks pages that embed the form."),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="nb")
    heading = models.CharField(_("heading"), max_length=200, blank=True, help_text=_("Shown above the form."))
    intro_text = models.TextField(_("introduction"), blank=True)
    first_name = models.CharField(_("first name"), max_length=10, choices=FieldMode.choices, default=FieldMode.REQUIRED)
    last_name = models.CharField(_("last name"), max_length=10, choices=FieldMode.choices, default=FieldMode.OPTIONAL)
    title = models.CharField(_("title"), max_length=10, choices=FieldMode.choices, default=FieldMode.HIDDEN)
    company = models.CharField(_("company"), max_length=10, choices=FieldMode.choices, default=FieldMode.HIDDEN)
    phone = models.CharField(_("phone"), max_length=10, choices=FieldMode.choices, default=FieldMode.HIDDEN)
    subscription_types = models.ManyToManyField(
        SubscriptionType,
        verbose_name=_("subscriptions offered"),
        blank=True,
        related_name="+",
        help_text=_("Each is shown as a box the person may tick."),
    )
    thank_you_text = models.TextField(_("thank-you text"), help_text=_("Shown after a successful submission."))
    allowed_origins = models.TextField(
        _("origins allowed to embed the form"),
        blank=True,
        validators=[validate_origins],
        help_text=_(
            "One a line, like https://www.example.org. Only pages on these origins may show the form in an "
            "iframe; with none, the form works only as a page of its own."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("webforms:form", kwargs={"slug": self.slug})

    def public_url(self) -> str:
        return settings.SITE_URL + self.get_absolute_url()

    def origins(self) -> list[str]:
        return origins_parse(self.allowed_origins)

    def field_mode(self, field: str) -> str:
        return getattr(self, field)


class WebFormPurpose(models.Model):
    """A consent box on a form: the purpose's approval text and privacy-statement link."""

    webform = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="form_purposes")
    purpose = models.ForeignKey(Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+")
    required = models.BooleanField(
        _("required"), default=False, help_text=_("The form cannot be sent without ticking this box.")
    )
    show_privacy_statement = models.BooleanField(_("show privacy statement link"), default=True)
    rank = models.PositiveIntegerField(_("rank"), default=0)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("consent asked for")
        verbose_name_plural = _("consents asked for")
        constraints = [models.UniqueConstraint(fields=["webform", "purpose"], name="one_box_per_form_and_purpose")]

    def __str__(self) -> str:
        return f"{self.webform}: {self.purpose}"


class WebFormSubmission(models.Model):
    """One accepted submission, for counting. The person's data and the evidence (IP, user
    agent, texts shown) live on the person and in the consent ledger, not here."""

    webform = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_person = models.BooleanField(_("registered a new person"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("web form submission")
        verbose_name_plural = _("web form submissions")

    def __str__(self) -> str:
        return f"{self.webform} {self.created_at:%Y-%m-%d %H:%M}"
