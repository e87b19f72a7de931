"""The CRM core: companies, persons, their addresses, the activity archive, and what the
GDPR asks us to keep about them (purposes, legal bases, consents and the consent ledger).

Rows that matter are changed through `contacts.services`, never by raw `.save()` in views.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def _language_base(code: str | None) -> str:
    return (code or "").split("-")[0].lower()


class NameTranslationsMixin(models.Model):
    """A name in several languages: `name` is the default, `name_translations` maps a
    language code to the name in that language ({"nb": "Samtykke"})."""

    name_translations = models.JSONField(_("name translations"), default=dict, blank=True)

    class Meta:
        abstract = True

    def display_name(self, language: str | None = None) -> str:
        language = _language_base(language or get_language())
        return self.name_translations.get(language) or self.name  # type: ignore[attr-defined]


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    org_number = models.CharField(_("organisation number"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")

    def __str__(self) -> str:
        return self.name


class LegalBasis(NameTranslationsMixin):
    CONSENT = "61A"
    CONTRACT = "61B"
    LEGAL_OBLIGATION = "61C"
    VITAL_INTERESTS = "61D"
    PUBLIC_INTEREST = "61E"
    LEGITIMATE_INTEREST = "61F"
    WITHDRAWN = "WITHDRAWN"
    # The person may grant or withdraw these themselves; others are shown read-only.
    SELF_SERVICE_KEYS = (CONSENT, LEGITIMATE_INTEREST, WITHDRAWN)

    key = models.CharField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    rank = models.PositiveIntegerField(_("rank"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("legal basis")
        verbose_name_plural = _("legal bases")

    def __str__(self) -> str:
        return self.display_name()

    @property
    def is_withdrawn(self) -> bool:
        return self.key == self.WITHDRAWN


class ConsentSource(NameTranslationsMixin):
    CREATED_BY_USER = "USER"
    EMAIL = "EMAIL"
    INCOMING_REQUEST = "REQUEST"
    CHAT = "CHAT"
    WEB_FORM = "FORM"
    CUSTOMER_PORTAL = "PORTAL"
    IMPORT = "IMPORT"
    OTHER_INTEGRATION = "INTEGRATION"
    UNKNOWN = "UNKNOWN"

    key = models.CharField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    rank = models.PositiveIntegerField(_("rank"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("consent source")
        verbose_name_plural = _("consent sources")

    def __str__(self) -> str:
        return self.display_name()


class Purpose(models.Model):
    STORE = "STORE"
    EMARKETING = "EMARKETING"

    key = models.CharField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    rank = models.PositiveIntegerField(_("rank"), default=0)
    approval_text = models.CharField(_("approval text"), max_length=500, blank=True)
    customer_centre_description = models.TextField(_("customer centre description"), blank=True)
    privacy_statement_title = models.CharField(_("privacy statement title"), max_length=200, blank=True)
    privacy_statement_url = models.URLField(_("privacy statement URL"), blank=True)

    TRANSLATED_FIELDS = (
        "name",
        "description",
        "approval_text",
        "customer_centre_description",
        "privacy_statement_title",
        "privacy_statement_url",
    )

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("purpose")
        verbose_name_plural = _("purposes")

    def __str__(self) -> str:
        return self.name

    def translated(self, field: str, language: str | None = None) -> str:
        """The field in `language` (default: the active one), falling back to the default text.

        Uses prefetched `translations` when present, so a list of purposes costs one query."""
        language = _language_base(language or get_language())
        for translation in self.translations.all():
            if translation.language == language and getattr(translation, field):
                return getattr(translation, field)
        return getattr(self, field)


class PurposeTranslation(models.Model):
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    approval_text = models.CharField(_("approval text"), max_length=500, blank=True)
    customer_centre_description = models.TextField(_("customer centre description"), blank=True)
    privacy_statement_title = models.CharField(_("privacy statement title"), max_length=200, blank=True)
    privacy_statement_url = models.URLField(_("privacy statement URL"), blank=True)

    class Meta:
        verbose_name = _("purpose translation")
        verbose_name_plural = _("purpose translations")
        constraints = [
            models.UniqueConstraint(fields=["purpose", "language"], name="unique_purpose_translation"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.language})"


class OrganisationSettings(models.Model):
    """The controller's facts, edited by administrators. One row (pk=1)."""

    organisation_name = models.CharField(_("organisation name"), max_length=200, default="Example AS")
    address = models.TextField(_("address"), blank=True, default="Storgata 1, 0155 Oslo, Norway")
    contact_email = models.EmailField(_("contact email"), default="privacy@example.org")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    dpo_name = models.CharField(_("data protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data protection officer's email"), blank=True)
    retention_text = models.TextField(
        _("retention period"),
        blank=True,
        default="We keep your data for as long as we have a customer relationship with you, "
        "and delete it at the latest 24 months after our last contact.",
    )
    retention_text_translations = models.JSONField(
        _("retention period in other languages"),
        default=dict,
        blank=True,
        help_text=_('The retention period per language code, e.g. {"nb": "Vi lagrer ..."}.'),
    )
    supervisory_authority_name = models.CharField(_("supervisory authority"), max_length=200, default="Datatilsynet")
    supervisory_authority_url = models.URLField(_("supervisory authority URL"), default="https://www.datatilsynet.no")
    default_store_legal_basis = models.ForeignKey(
        LegalBasis,
        verbose_name=_("default legal basis for Sales and service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("New and imported persons get this legal basis for the purpose Sales and service."),
    )

    class Meta:
        verbose_name = _("organisation settings")
        verbose_name_plural = _("organisation settings")

    def __str__(self) -> str:
        return self.organisation_name

    def retention_text_for(self, language: str | None) -> str:
        """The retention period in `language` when written, else the default text."""
        return self.retention_text_translations.get(_language_base(language)) or self.retention_text

    @classmethod
    def load(cls) -> OrganisationSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Person(models.Model):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="persons",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("customer language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    source = models.ForeignKey(
        ConsentSource,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("How the person was registered."),
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(Lower("last_name"), Lower("first_name"), name="person_name_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def default_email_address(self) -> EmailAddress | None:
        """The address with the lowest rank; uses prefetched `email_addresses` when present."""
        addresses = sorted(self.email_addresses.all(), key=lambda a: (a.rank, a.pk))
        return addresses[0] if addresses else None


class EmailAddress(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="email_addresses")
    address = models.EmailField(_("email address"), max_length=254)
    rank = models.PositiveIntegerField(_("rank"), default=0, help_text=_("The lowest rank is the default address."))
    description = models.CharField(_("description"), max_length=100, blank=True)
    bounced = models.BooleanField(_("bounced"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("email address")
        verbose_name_plural = _("email addresses")
        indexes = [models.Index(Lower("address"), name="email_address_lower_idx")]

    def __str__(self) -> str:
        return self.address


class Activity(models.Model):
    """One entry on the person's Activities card: the archive of what was sent and done."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        NOTE = "note", _("Note")
        ACCESS_REQUEST = "access_request", _("Request for a copy of data")
        ERASURE_REQUEST = "erasure_request", _("Request for erasure")
        CONSENT_CHANGE = "consent_change", _("Consent change")

    class Direction(models.TextChoices):
        OUTGOING = "outgoing", _("Outgoing")
        INCOMING = "incoming", _("Incoming")
        INTERNAL = "internal", _("Internal")

    class Status(models.TextChoices):
        NONE = "", _("—")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        FAILED = "failed", _("Failed")
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="activities")
    company = models.ForeignKey(Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INTERNAL)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    template_name = models.CharField(_("template"), max_length=200, blank=True)
    template_language = models.CharField(_("template language"), max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True, default="")
    status_reason = models.TextField(_("reason"), blank=True)
    esp_message_id = models.CharField(_("ESP message id"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the system or the person did it."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["person", "-created_at"], name="activity_person_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class Consent(models.Model):
    """The current legal basis for one purpose for one person. Withdrawal sets the basis to
    WITHDRAWN and keeps the row; the history is in ConsentEvent."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(Purpose, verbose_name=_("purpose"), on_delete=models.PROTECT, related_name="+")
    legal_basis = models.ForeignKey(
        LegalBasis, verbose_name=_("legal basis"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(
        ConsentSource, verbose_name=_("source"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["person", "purpose"], name="one_consent_per_person_and_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.purpose} = {self.legal_basis}"

    @property
    def is_given(self) -> bool:
        return not self.legal_basis.is_withdrawn


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError("The consent ledger is append-only.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise ValidationError("The consent ledger is append-only.")


class ConsentEvent(models.Model):
    """Append-only ledger: one row for every change of a consent or a subscription."""

    class Actor(models.TextChoices):
        USER = "user", _("Staff user")
        PERSON = "person", _("The person")
        SYSTEM = "system", _("System")

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consent_events")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subscription_type = models.ForeignKey(
        "SubscriptionType", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_basis_before = models.ForeignKey(
        LegalBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_basis_after = models.ForeignKey(LegalBasis, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    subscribed_before = models.BooleanField(null=True, blank=True)
    subscribed_after = models.BooleanField(null=True, blank=True)
    source = models.ForeignKey(ConsentSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    actor_type = models.CharField(_("actor"), max_length=10, choices=Actor.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.TextField(_("user agent"), blank=True)
    approval_text = models.TextField(_("approval text shown"), blank=True)
    privacy_statement_url = models.URLField(_("privacy statement URL shown"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(purpose__isnull=False, subscription_type__isnull=True)
                    | models.Q(purpose__isnull=True, subscription_type__isnull=False)
                ),
                name="consent_event_is_about_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.person_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValidationError("The consent ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValidationError("The consent ledger is append-only.")


class SubscriptionType(models.Model):
    key = models.CharField(_("key"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    rank = models.PositiveIntegerField(_("rank"), default=0)

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("subscription type")
        verbose_name_plural = _("subscription types")

    def __str__(self) -> str:
        return self.name

    def translated(self, field: str, language: str | None = None) -> str:
        language = _language_base(language or get_language())
        for translation in self.translations.all():
            if translation.language == language and getattr(translation, field):
                return getattr(translation, field)
        return getattr(self, field)


class SubscriptionTypeTranslation(models.Model):
    subscription_type = models.ForeignKey(SubscriptionType, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("subscription type translation")
        verbose_name_plural = _("subscription type translations")
        constraints = [
            models.UniqueConstraint(
                fields=["subscription_type", "language"], name="unique_subscription_type_translation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_type} ({self.language})"


class Subscription(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="subscriptions")
    subscription_type = models.ForeignKey(SubscriptionType, on_delete=models.PROTECT, related_name="+")
    subscribed = models.BooleanField(_("subscribed"), default=True)
    source = models.ForeignKey(ConsentSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "subscription_type"], name="one_subscription_per_person_and_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.subscription_type}"
