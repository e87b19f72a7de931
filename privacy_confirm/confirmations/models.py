"""The privacy email: templates and their translations, sending settings and rules, the
outbox (Confirmation) and the personal links it carries."""

from __future__ import annotations

import uuid
from email.utils import formataddr

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Activity, ConsentSource, Person


class EmailTemplate(models.Model):
    class SenderMode(models.TextChoices):
        DEFAULT_SENDER = "default", _("Default sender")
        OUR_CONTACT = "our_contact", _("Our contact")
        SUPPORT_CONTACT = "support", _("Support contact")
        LOGGED_IN_USER = "user", _("Logged-in user")

    # Well-known templates shipped by data migrations.
    CONTACT_ADDED = "contact-added"
    LINK_RENEWAL = "link-renewal"

    key = models.SlugField(_("key"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_privacy_template = models.BooleanField(
        _("privacy template"),
        default=True,
        help_text=_("Only privacy templates can be chosen for privacy confirmation emails."),
    )
    sender_mode = models.CharField(
        _("sender"), max_length=20, choices=SenderMode.choices, default=SenderMode.DEFAULT_SENDER
    )
    default_language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES, default="nb")
    is_default = models.BooleanField(
        _("default privacy template"), default=False, help_text=_("Preselected in the send dialog.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")

    def __str__(self) -> str:
        return self.name


class EmailTemplateTranslation(models.Model):
    template = models.ForeignKey(EmailTemplate, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    body_html = models.TextField(_("HTML body"))
    body_text = models.TextField(
        _("text body"), blank=True, help_text=_("Leave empty to derive the text part from the HTML body.")
    )

    class Meta:
        ordering = ["language"]
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="unique_template_language"),
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"


class ConfirmationSettings(models.Model):
    """How privacy confirmations are sent. One row (pk=1), edited in admin."""

    automatic_sending = models.BooleanField(
        _("send automatically"),
        default=True,
        help_text=_(
            "Send the privacy confirmation email to new persons registered through a source with a sending rule."
        ),
    )
    sender_address = models.EmailField(
        _("sender address"), blank=True, help_text=_("Empty: the server's DEFAULT_FROM_EMAIL.")
    )
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    link_validity_days = models.PositiveIntegerField(_("link validity in days"), default=21)
    per_address_hourly_limit = models.PositiveIntegerField(
        _("emails per address per hour"), default=3, help_text=_("Manual sends and link renewals to one address.")
    )

    class Meta:
        verbose_name = _("confirmation settings")
        verbose_name_plural = _("confirmation settings")

    def __str__(self) -> str:
        return str(_("Confirmation settings"))

    @classmethod
    def load(cls) -> ConfirmationSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def from_header(self) -> str:
        """The From of every email we send: the organisation's address (a staff member's
        would fail the receiver's DMARC check), with the sender name when one is set."""
        address = self.sender_address or settings.DEFAULT_FROM_EMAIL
        return formataddr((self.sender_name, address)) if self.sender_name else address


class SendingRule(models.Model):
    """Persons registered through `source` get the automatic email made from `template`."""

    source = models.OneToOneField(
        ConsentSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="sending_rule"
    )
    template = models.ForeignKey(
        EmailTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        limit_choices_to={"is_privacy_template": True},
        related_name="+",
    )

    class Meta:
        verbose_name = _("sending rule")
        verbose_name_plural = _("sending rules")

    def __str__(self) -> str:
        return f"{self.source} -> {self.template}"


def _new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1] or "privacy-confirm.local"
    return f"<{uuid.uuid4()}@{domain}>"


class Confirmation(models.Model):
    """The outbox: one email to send, its state, and what became of it."""

    class Kind(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic")
        MANUAL = "manual", _("Manual")
        LINK_RENEWAL = "link_renewal", _("Link renewal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="confirmations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.EmailField(_("recipient"))
    template = models.ForeignKey(EmailTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="+")
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject_override = models.CharField(_("subject"), max_length=300, blank=True)
    reply_to = models.EmailField(_("reply to"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    esp_message_id = models.CharField(_("ESP message id"), max_length=200, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, default=_new_message_id, unique=True)
    activity = models.OneToOneField(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="confirmation"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")
        permissions = [("send_confirmation", "Can send privacy confirmation")]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(kind="automatic"),
                name="one_automatic_confirmation_per_person",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="confirmation_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.get_status_display()})"


class PersonalLink(models.Model):
    """A link to the customer centre. Only the SHA-256 of the token is stored."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="personal_links")
    confirmation = models.ForeignKey(
        Confirmation, on_delete=models.SET_NULL, null=True, blank=True, related_name="links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal link")
        verbose_name_plural = _("personal links")

    def __str__(self) -> str:
        return f"{self.person} until {self.expires_at:%Y-%m-%d}"

    def is_usable(self, now=None) -> bool:  # type: ignore[no-untyped-def]
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
