"""What a web form submission changes. The view validates; this writes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.db import connection, transaction

from contacts import services as contacts_services
from contacts.models import Company, Consent, ConsentEvent, ConsentSource, LegalBasis, Person, SubscriptionType
from contacts.selectors import person_find_by_email
from contacts.services import ConsentGrant, EmailAddressData, Evidence
from privacy_confirm.webforms.models import WebForm, WebFormSubmission

# A form may turn these into Consent for a person already on file. Any other basis
# (Contract, Required by law, ...) is stronger than a tick box and stays as it is.
REPLACEABLE_BY_CONSENT = (LegalBasis.WITHDRAWN, LegalBasis.LEGITIMATE_INTEREST)

# pg_advisory_xact_lock(class, key): this app's class id, so our locks never meet others'.
ADVISORY_LOCK_CLASS = 4_0004


@dataclass(frozen=True)
class SubmissionData:
    """A validated submission: what the person typed and ticked, and the texts they were shown
    (each ConsentGrant carries the approval text and privacy-statement URL)."""

    email: str
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    company_name: str = ""
    phone: str = ""
    consents: list[ConsentGrant] = field(default_factory=list)
    subscription_types: list[SubscriptionType] = field(default_factory=list)


@transaction.atomic
def webform_submit(*, webform: WebForm, data: SubmissionData, evidence: Evidence) -> WebFormSubmission:
    """Register the person behind a submission, or add to the person already on file.

    A new address: the person, their address, company (found or created by name), consents
    (legal basis Consent) and subscriptions in one transaction, through
    `contacts.services.person_register` with source Web form (which announces the
    registration, so the automatic confirmation email follows). An address on file (any
    case, the oldest person): stored fields stay as they are; the form only adds consents
    and subscriptions, never withdraws. Either way every change gets a ledger entry with
    the evidence, and the submission is counted."""
    _lock_address(data.email)
    comment = f"Web form: {webform.name}"
    grants = [
        dataclasses.replace(grant, legal_basis_key=LegalBasis.CONSENT, comment=comment) for grant in data.consents
    ]
    person = person_find_by_email(address=data.email)
    if person is None:
        person = contacts_services.person_register(
            # A form may leave out the name; staff still need something to find the person by.
            first_name=data.first_name or data.email.split("@", 1)[0],
            last_name=data.last_name,
            title=data.title,
            company=_company_for_name(data.company_name),
            phone=data.phone,
            language=webform.language,
            email_addresses=[EmailAddressData(address=data.email)],
            source_key=ConsentSource.WEB_FORM,
            consents=grants,
            subscription_type_keys=[subscription_type.key for subscription_type in data.subscription_types],
            evidence=evidence,
        )
        created = True
    else:
        _grants_add(person=person, grants=grants, subscription_types=data.subscription_types, evidence=evidence)
        created = False
    return WebFormSubmission.objects.create(webform=webform, person=person, created_person=created)


def _lock_address(address: str) -> None:
    """Two submissions of the same new address at once would both find no person and register
    two; on PostgreSQL the second waits here until the first has committed."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [ADVISORY_LOCK_CLASS, address.strip().lower()]
            )


def _company_for_name(name: str) -> Company | None:
    name = name.strip()
    if not name:
        return None
    existing = Company.objects.filter(name__iexact=name).order_by("created_at", "id").first()
    return existing or Company.objects.create(name=name)


def _grants_add(
    *, person: Person, grants: list[ConsentGrant], subscription_types: list[SubscriptionType], evidence: Evidence
) -> None:
    source = ConsentSource.objects.get(key=ConsentSource.WEB_FORM)
    consent_basis = LegalBasis.objects.get(key=LegalBasis.CONSENT)
    current = {
        consent.purpose_id: consent.legal_basis.key
        for consent in Consent.objects.filter(person=person).select_related("legal_basis")
    }
    for grant in grants:
        basis = current.get(grant.purpose.pk)
        if basis is not None and basis not in REPLACEABLE_BY_CONSENT:
            continue
        contacts_services.consent_set(
            person=person,
            purpose=grant.purpose,
            legal_basis=consent_basis,
            source=source,
            comment=grant.comment,
            actor_type=ConsentEvent.Actor.PERSON,
            ip_address=evidence.ip_address,
            user_agent=evidence.user_agent,
            approval_text=grant.approval_text,
            privacy_statement_url=grant.privacy_statement_url,
        )
    for subscription_type in subscription_types:
        # Writes nothing when the person already subscribes.
        contacts_services.subscription_set(
            person=person,
            subscription_type=subscription_type,
            subscribed=True,
            source=source,
            actor_type=ConsentEvent.Actor.PERSON,
            evidence=evidence,
        )
