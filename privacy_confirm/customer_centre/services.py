"""What the person changes in the customer centre, and the staff's revocation of links.

Every change goes through `contacts.services` (which writes the ConsentEvent ledger) with
the person as actor, source "Customer portal" and the request's evidence, and ends with
ONE Activity on the person that sums the change up for staff."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from contacts.models import (
    Activity,
    ConsentEvent,
    ConsentSource,
    LegalBasis,
    Person,
    Purpose,
    Subscription,
    SubscriptionType,
)
from contacts.selectors import person_find_by_email
from contacts.services import Evidence, activity_create, consent_set, subscription_set
from privacy_confirm.confirmations.links import personal_links_revoke
from privacy_confirm.confirmations.models import Confirmation, EmailTemplate
from privacy_confirm.confirmations.services import ConfirmationRateLimited, confirmation_request

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
logger = logging.getLogger(__name__)


class CentreChangeRefusedError(Exception):
    """The person asked for something the self-service rules do not allow."""


@dataclass(frozen=True)
class Change:
    """One line of the summary: what changed, from what, to what."""

    what: str
    before: str
    after: str


def _staff_language() -> str:
    # Activities are read by staff; they are stored as text, so they are written in the
    # organisation's language rather than in whatever language the person chose.
    return settings.LANGUAGE_CODE


def _portal_source() -> ConsentSource:
    return ConsentSource.objects.get(key=ConsentSource.CUSTOMER_PORTAL)


def _evidence_lines(evidence: Evidence) -> list[str]:
    return [
        _("IP address: %(ip)s") % {"ip": evidence.ip_address or "—"},
        _("User agent: %(agent)s") % {"agent": evidence.user_agent or "—"},
    ]


def _change_activity_write(*, person: Person, changes: list[Change], evidence: Evidence) -> Activity:
    with translation.override(_staff_language()):
        subject = _("Customer centre: %(changes)s") % {
            "changes": "; ".join(f"{change.what}: {change.after}" for change in changes)
        }
        body = [
            _("Changed by the person in the customer centre."),
            "",
            *(f"{change.what}: {change.before} → {change.after}" for change in changes),
            "",
            *_evidence_lines(evidence),
        ]
    return activity_create(
        person=person,
        kind=Activity.Kind.CONSENT_CHANGE,
        subject=subject,
        direction=Activity.Direction.INCOMING,
        body_text="\n".join(body),
    )


@transaction.atomic
def centre_consent_change(
    *, person: Person, purpose_key: str, give: bool, evidence: Evidence, language: str
) -> list[Change]:
    """Give (legal basis Consent) or withdraw (Withdrawn) consent for one purpose.

    Only purposes whose current basis is Consent, Legitimate interest or Withdrawn (or
    that have no basis yet) are the person's to change; others raise CentreChangeRefusedError.
    Asking for the state the purpose already has changes nothing and returns []."""
    purpose = Purpose.objects.filter(key=purpose_key, active=True).prefetch_related("translations").first()
    if purpose is None:
        raise CentreChangeRefusedError(f"No active purpose {purpose_key!r}.")
    consent = person.consents.select_for_update().select_related("legal_basis").filter(purpose=purpose).first()
    before = consent.legal_basis if consent else None
    if before is not None and before.key not in LegalBasis.SELF_SERVICE_KEYS:
        raise CentreChangeRefusedError(f"{purpose.key} rests on {before.key}, which the person cannot change.")
    is_given = before is not None and not before.is_withdrawn
    if give == is_given:
        return []
    after = LegalBasis.objects.get(key=LegalBasis.CONSENT if give else LegalBasis.WITHDRAWN)
    with translation.override(_staff_language()):
        comment = _("Given in the customer centre") if give else _("Withdrawn in the customer centre")
    consent_set(
        person=person,
        purpose=purpose,
        legal_basis=after,
        source=_portal_source(),
        comment=comment,
        actor_type=ConsentEvent.Actor.PERSON,
        actor_user=None,
        ip_address=evidence.ip_address,
        user_agent=evidence.user_agent,
        # What the person saw when deciding, in the language they saw it in.
        approval_text=purpose.translated("approval_text", language),
        privacy_statement_url=purpose.translated("privacy_statement_url", language),
    )
    staff = _staff_language()
    with translation.override(staff):
        changes = [
            Change(
                what=purpose.translated("name", staff),
                before=before.display_name(staff) if before else _("none"),
                after=after.display_name(staff),
            )
        ]
    _change_activity_write(person=person, changes=changes, evidence=evidence)
    return changes


@transaction.atomic
def centre_subscriptions_set(
    *, person: Person, subscribed_keys: set[str], shown_keys: set[str], evidence: Evidence
) -> list[Change]:
    """Set the subscriptions the person saw (`shown_keys`, active types only) to
    `subscribed_keys`. A type the page did not show is left alone, so a type added while the
    page was open is not silently switched off."""
    types = list(SubscriptionType.objects.filter(active=True, key__in=shown_keys).prefetch_related("translations"))
    current = dict(
        Subscription.objects.filter(person=person, subscription_type__in=types).values_list(
            "subscription_type_id", "subscribed"
        )
    )
    source = _portal_source()
    staff = _staff_language()
    changes = []
    with translation.override(staff):
        for subscription_type in types:
            wanted = subscription_type.key in subscribed_keys
            if current.get(subscription_type.pk, False) == wanted:
                continue
            subscription_set(
                person=person,
                subscription_type=subscription_type,
                subscribed=wanted,
                source=source,
                comment=_("Changed in the customer centre"),
                actor_type=ConsentEvent.Actor.PERSON,
                actor_user=None,
                evidence=evidence,
            )
            changes.append(
                Change(
                    what=subscription_type.translated("name", staff),
                    before=_("subscribed") if not wanted else _("not subscribed"),
                    after=_("subscribed") if wanted else _("not subscribed"),
                )
            )
    if changes:
        _change_activity_write(person=person, changes=changes, evidence=evidence)
    return changes


def centre_unsubscribe_all(*, person: Person, evidence: Evidence) -> list[Change]:
    active_keys = set(SubscriptionType.objects.filter(active=True).values_list("key", flat=True))
    return centre_subscriptions_set(person=person, subscribed_keys=set(), shown_keys=active_keys, evidence=evidence)


DATA_REQUEST_KINDS = {
    "access": Activity.Kind.ACCESS_REQUEST,
    "erasure": Activity.Kind.ERASURE_REQUEST,
}


@transaction.atomic
def centre_data_request(*, person: Person, kind: str, evidence: Evidence) -> Activity:
    """Record a request for a copy of the data or for erasure as an open Activity, which
    staff answer within a month. Nothing is exported or deleted automatically. A second
    request of the same kind while one is open returns the open one."""
    activity_kind = DATA_REQUEST_KINDS[kind]
    # Lock the person so two quick clicks cannot both create a request.
    Person.objects.select_for_update().filter(pk=person.pk).first()
    existing = person.activities.filter(kind=activity_kind, status=Activity.Status.OPEN).first()
    if existing is not None:
        return existing
    with translation.override(_staff_language()):
        subject = (
            _("The person asked for a copy of their data (customer centre)")
            if kind == "access"
            else _("The person asked to be erased (customer centre)")
        )
        body = [subject, "", *_evidence_lines(evidence)]
    return activity_create(
        person=person,
        kind=activity_kind,
        subject=subject,
        direction=Activity.Direction.INCOMING,
        status=Activity.Status.OPEN,
        body_text="\n".join(body),
    )


@transaction.atomic
def person_links_revoke_by_staff(*, person: Person, user: AbstractBaseUser) -> int:
    """Revoke the person's personal links and note it on the person's Activities card."""
    count = personal_links_revoke(person=person)
    with translation.override(_staff_language()):
        subject = _("Personal links revoked (%(count)d)") % {"count": count}
    activity_create(person=person, kind=Activity.Kind.NOTE, subject=subject, created_by=user)
    return count


def link_renewal_request_enqueue(*, address: str) -> None:
    """Queue the lookup and the email; the caller answers the same way whatever happens."""
    from privacy_confirm.customer_centre.tasks import link_renewal_send

    transaction.on_commit(lambda: link_renewal_send.delay(address))


@transaction.atomic
def link_renewal_request(*, address: str) -> Confirmation | None:
    """Send a fresh personal link to `address` if it is on file (the oldest person with it),
    as a link-renewal email through the outbox. Unknown addresses get nothing."""
    person = person_find_by_email(address=address)
    if person is None:
        return None
    recipient = person.email_addresses.filter(address__iexact=address.strip()).order_by("rank", "id").first()
    template = EmailTemplate.objects.filter(key=EmailTemplate.LINK_RENEWAL).first()
    if recipient is None or template is None:
        logger.error("Link renewal for person %s not sent: the %r template is missing.", person.pk, "link-renewal")
        return None
    try:
        return confirmation_request(
            person=person,
            recipient=recipient.address,
            template=template,
            kind=Confirmation.Kind.LINK_RENEWAL,
        )
    except ConfirmationRateLimited:
        # The per-address send limit applies to renewals too; the person already got
        # links in the last hour.
        logger.info("Link renewal for person %s skipped: per-address limit reached.", person.pk)
        return None
