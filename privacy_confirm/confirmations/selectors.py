"""Queries of the outbox and the privacy overview."""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.models import Activity, EmailAddress, Person
from privacy_confirm.confirmations.models import Confirmation, ConfirmationSettings, SendingRule

# Art. 13/14: inform within a reasonable time, at the latest within one month. We count
# 30 days from registration so the deadline never depends on the month's length.
INFORM_WITHIN_DAYS = 30
REQUEST_KINDS = (Activity.Kind.ACCESS_REQUEST, Activity.Kind.ERASURE_REQUEST)


def days_left(deadline: datetime) -> int:
    """Whole local days from today to the deadline's local date; negative when overdue."""
    return (timezone.localtime(deadline).date() - timezone.localdate()).days


def confirmations_failed() -> QuerySet[Confirmation]:
    return (
        Confirmation.objects.filter(status=Confirmation.Status.FAILED)
        .select_related("person")
        .order_by("-created_at", "-pk")
    )


def persons_never_informed() -> QuerySet[Person]:
    """Persons no confirmation was ever sent to, oldest registration first, annotated with
    what explains it: has_address, has_rule, has_failed, in_progress."""
    confirmations = Confirmation.objects.filter(person=OuterRef("pk"))
    return (
        Person.objects.annotate(
            informed=Exists(confirmations.filter(status=Confirmation.Status.SENT)),
            has_failed=Exists(confirmations.filter(status=Confirmation.Status.FAILED)),
            in_progress=Exists(
                confirmations.filter(status__in=[Confirmation.Status.PENDING, Confirmation.Status.SENDING])
            ),
            has_address=Exists(EmailAddress.objects.filter(person=OuterRef("pk"))),
            has_rule=Exists(SendingRule.objects.filter(source_id=OuterRef("source_id"))),
        )
        .filter(informed=False)
        .select_related("source")
        .order_by("registered_at", "pk")
    )


def never_informed_reason(person: Person, *, automatic_sending: bool) -> str:
    """Why the (annotated) person was not informed, in words for the overview."""
    if person.in_progress:  # type: ignore[attr-defined]
        return str(_("Queued for sending"))
    if person.has_failed:  # type: ignore[attr-defined]
        return str(_("Sending failed"))
    if not person.has_address:  # type: ignore[attr-defined]
        return str(_("No email address"))
    if not person.has_rule:  # type: ignore[attr-defined]
        return str(_("The source sends no confirmation"))
    if not automatic_sending:
        return str(_("Automatic sending is off"))
    return str(_("Not sent"))


def inform_deadline(person: Person) -> datetime:
    return person.registered_at + timedelta(days=INFORM_WITHIN_DAYS)


def data_requests_open() -> QuerySet[Activity]:
    """Access and erasure requests not yet done, oldest first."""
    return (
        Activity.objects.filter(kind__in=REQUEST_KINDS, status=Activity.Status.OPEN)
        .select_related("person")
        .order_by("created_at", "pk")
    )


def request_deadline(activity: Activity) -> datetime:
    # Art. 12(3): answer without undue delay and at the latest within one month.
    return activity.created_at + relativedelta(months=1)


def automatic_sending_on() -> bool:
    return ConfirmationSettings.load().automatic_sending
