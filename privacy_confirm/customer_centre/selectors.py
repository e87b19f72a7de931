"""What the customer centre shows: read-only queries.

Everything here runs on GET, which mail scanners follow: nothing in this module may write
(no `get_or_create`, no `.load()` helpers that insert a missing row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import (
    Activity,
    Consent,
    EmailAddress,
    LegalBasis,
    OrganisationSettings,
    Person,
    Subscription,
    SubscriptionType,
)
from contacts.selectors import active_purposes
from privacy_confirm.confirmations.models import PersonalLink
from privacy_confirm.confirmations.rendering import best_language_match, link_expiry_date
from privacy_confirm.confirmations.selectors import REQUEST_KINDS, request_deadline


@dataclass(frozen=True)
class PurposeRow:
    key: str
    name: str
    description: str
    legal_basis_key: str
    legal_basis_name: str
    is_given: bool
    self_service: bool
    read_only_reason: str
    approval_text: str
    privacy_statement_title: str
    privacy_statement_url: str


@dataclass(frozen=True)
class SubscriptionRow:
    key: str
    name: str
    description: str
    subscribed: bool


@dataclass(frozen=True)
class DataRequestRow:
    kind: str
    label: str
    received_on: date
    answer_by: date


@dataclass(frozen=True)
class CentreOverview:
    person: Person
    email_addresses: list[EmailAddress]
    purposes: list[PurposeRow]
    subscriptions: list[SubscriptionRow]
    open_requests: list[DataRequestRow]
    organisation: OrganisationSettings
    retention_text: str
    link_valid_until: date


def centre_language(*, person_language: str, requested: str = "") -> str:
    """The customer centre's language: the one asked for with the switch, else the person's
    customer language, mapped onto the languages the centre is translated into."""
    available = list(settings.UI_LANGUAGES)
    if requested in available:
        return requested
    if not person_language:
        return settings.LANGUAGE_CODE if settings.LANGUAGE_CODE in available else available[0]
    # The emails' own rule: regional codes fall back to their base, nb/nn/no to each other.
    return best_language_match(person_language, available) or ("en" if "en" in available else available[0])


def organisation_settings_get() -> OrganisationSettings:
    """The controller's facts; an unsaved default row when none exists (never inserts)."""
    return OrganisationSettings.objects.filter(pk=1).first() or OrganisationSettings(pk=1)


def read_only_reason(legal_basis_key: str) -> str:
    if legal_basis_key == LegalBasis.CONTRACT:
        return _(
            "We need this to fulfil our agreement with you, so it cannot be switched off here. "
            "Contact us if you have questions."
        )
    if legal_basis_key == LegalBasis.LEGAL_OBLIGATION:
        return _(
            "The law requires us to keep this, so it cannot be switched off here. Contact us if you have questions."
        )
    return _(
        "We have a legal basis for this other than your consent, so it cannot be switched off here. "
        "Contact us if you have questions."
    )


def purpose_rows(*, person: Person, language: str) -> list[PurposeRow]:
    purposes = active_purposes()
    consents = {
        consent.purpose_id: consent for consent in Consent.objects.filter(person=person).select_related("legal_basis")
    }
    rows = []
    for purpose in purposes:
        consent = consents.get(purpose.pk)
        basis = consent.legal_basis if consent else None
        basis_key = basis.key if basis else ""
        # No row yet means nobody has decided: the person may give consent.
        self_service = basis is None or basis_key in LegalBasis.SELF_SERVICE_KEYS
        rows.append(
            PurposeRow(
                key=purpose.key,
                name=purpose.translated("name", language),
                description=purpose.translated("customer_centre_description", language)
                or purpose.translated("description", language),
                legal_basis_key=basis_key,
                legal_basis_name=basis.display_name(language) if basis else _("Not given"),
                is_given=consent is not None and consent.is_given,
                self_service=self_service,
                read_only_reason="" if self_service else read_only_reason(basis_key),
                approval_text=purpose.translated("approval_text", language),
                privacy_statement_title=purpose.translated("privacy_statement_title", language),
                privacy_statement_url=purpose.translated("privacy_statement_url", language),
            )
        )
    return rows


def subscription_rows(*, person: Person, language: str) -> list[SubscriptionRow]:
    types = SubscriptionType.objects.filter(active=True).prefetch_related("translations").order_by("rank", "name")
    subscribed = dict(Subscription.objects.filter(person=person).values_list("subscription_type_id", "subscribed"))
    return [
        SubscriptionRow(
            key=subscription_type.key,
            name=subscription_type.translated("name", language),
            description=subscription_type.translated("description", language),
            subscribed=subscribed.get(subscription_type.pk, False),
        )
        for subscription_type in types
    ]


def open_data_requests(*, person: Person) -> list[DataRequestRow]:
    activities = Activity.objects.filter(person=person, kind__in=REQUEST_KINDS, status=Activity.Status.OPEN).order_by(
        "created_at", "id"
    )
    return [
        DataRequestRow(
            kind=activity.kind,
            label=str(Activity.Kind(activity.kind).label),
            received_on=timezone.localtime(activity.created_at).date(),
            # The same deadline the staff's privacy overview shows.
            answer_by=timezone.localtime(request_deadline(activity)).date(),
        )
        for activity in activities
    ]


def centre_overview(*, link: PersonalLink, language: str) -> CentreOverview:
    """Everything the page shows, in a fixed number of queries."""
    person = (
        Person.objects.select_related("company")
        .prefetch_related(Prefetch("email_addresses", queryset=EmailAddress.objects.order_by("rank", "id")))
        .get(pk=link.person_id)
    )
    organisation = organisation_settings_get()
    return CentreOverview(
        person=person,
        email_addresses=list(person.email_addresses.all()),
        purposes=purpose_rows(person=person, language=language),
        subscriptions=subscription_rows(person=person, language=language),
        open_requests=open_data_requests(person=person),
        organisation=organisation,
        retention_text=organisation.retention_text_for(language),
        # The same last day the email gave the link.
        link_valid_until=link_expiry_date(link.expires_at),
    )


def person_links_active_count(*, person: Person) -> int:
    return PersonalLink.objects.filter(person=person, revoked_at__isnull=True, expires_at__gt=timezone.now()).count()
