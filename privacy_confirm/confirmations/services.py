"""The outbox: queueing privacy confirmation emails and sending them.

A Confirmation moves pending -> sending -> sent | failed. Rows are created in the
caller's transaction together with their queued Activity; the task is enqueued with
`transaction.on_commit`, so a rolled-back registration or send request leaves nothing and
sends nothing. The task claims a row with a conditional UPDATE (one worker wins), and the
sweeper re-enqueues rows whose message was lost. Delivery is at-least-once; the stable
Message-ID lets the provider and the receiver drop a second copy."""

from __future__ import annotations

import logging
import random
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from contacts.models import Activity, Person
from contacts.services import activity_create
from privacy_confirm.confirmations.links import personal_link_create, personal_link_url
from privacy_confirm.confirmations.models import (
    Confirmation,
    ConfirmationSettings,
    EmailTemplate,
    PersonalLink,
    SendingRule,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

logger = logging.getLogger(__name__)

RATE_LIMITED_KINDS = (Confirmation.Kind.MANUAL, Confirmation.Kind.LINK_RENEWAL)


class ConfirmationRateLimited(Exception):  # noqa: N818 - the name other apps code against
    """The per-address hourly limit of manual sends and link renewals is reached."""


# --- tuning (settings, overridable from the environment; see settings.py) ---------------


def _retry_base_delay() -> float:
    return float(getattr(settings, "CONFIRMATION_RETRY_BASE_DELAY", 30))


def _retry_max_delay() -> float:
    return float(getattr(settings, "CONFIRMATION_RETRY_MAX_DELAY", 600))


def _max_attempts() -> int:
    return int(getattr(settings, "CONFIRMATION_MAX_ATTEMPTS", 6))


def _claim_timeout() -> float:
    """A `sending` row older than this was claimed by a worker that died."""
    default = settings.EMAIL_TIMEOUT + _retry_max_delay()
    return float(getattr(settings, "CONFIRMATION_CLAIM_TIMEOUT", None) or default)


def _lost_after() -> float:
    """A `pending` row this long past its next attempt lost its queue message."""
    return float(getattr(settings, "CONFIRMATION_LOST_AFTER", 120))


def retry_countdown(attempt: int) -> float:
    """Exponential backoff with jitter for the `attempt`-th failed attempt (1-based).

    Capped at CONFIRMATION_RETRY_MAX_DELAY, which must stay far below the Redis
    visibility_timeout: Redis redelivers an unacknowledged (acks_late) message after that
    timeout, so a longer countdown would run the task twice."""
    delay = min(_retry_max_delay(), _retry_base_delay() * (2 ** max(attempt - 1, 0)))
    # "Equal jitter": half fixed, half random, so a burst of failures spreads out.
    return delay / 2 + random.uniform(0, delay / 2)


# --- queueing ----------------------------------------------------------------------------

# Set by `automatic_confirmations_suppressed()`: a context variable is per thread (and per
# asyncio task), so an import with --no-send in one thread never silences registrations
# made by web requests in others (disconnecting the receiver would).
_automatic_suppressed: ContextVar[bool] = ContextVar("automatic_confirmations_suppressed", default=False)


@contextmanager
def automatic_confirmations_suppressed() -> Iterator[None]:
    """Registrations inside this block get no automatic confirmation (import --no-send)."""
    reset = _automatic_suppressed.set(True)
    try:
        yield
    finally:
        _automatic_suppressed.reset(reset)


def _enqueue_on_commit(confirmation_id: int) -> None:
    def enqueue() -> None:
        from privacy_confirm.confirmations.tasks import confirmation_send_task

        try:
            confirmation_send_task.delay(confirmation_id)
        except Exception:
            # The row is committed and pending: the sweeper enqueues it once the broker is back.
            logger.exception("Could not enqueue confirmation %s; the sweeper will retry", confirmation_id)

    transaction.on_commit(enqueue)


def _queue(
    *,
    person: Person,
    kind: str,
    recipient: str,
    template: EmailTemplate,
    language: str,
    subject: str,
    requested_by: AbstractBaseUser | None,
    reply_to: str,
    idempotency_key: str | None,
) -> Confirmation:
    """Create the Confirmation and its queued Activity (in a savepoint, so a unique
    violation leaves the caller's transaction usable) and enqueue after the commit."""
    with transaction.atomic():
        activity = activity_create(
            person=person,
            kind=Activity.Kind.EMAIL,
            direction=Activity.Direction.OUTGOING,
            status=Activity.Status.QUEUED,
            # The real subject is rendered when sending; until then show what we know.
            subject=subject or template.name,
            created_by=requested_by,
            recipient=recipient,
            template_name=template.name,
            template_language=language,
        )
        confirmation = Confirmation.objects.create(
            person=person,
            kind=kind,
            recipient=recipient,
            template=template,
            language=language,
            subject_override=subject,
            reply_to=reply_to,
            requested_by=requested_by,
            idempotency_key=idempotency_key,
            activity=activity,
            next_attempt_at=timezone.now(),
        )
    _enqueue_on_commit(confirmation.pk)
    return confirmation


def _per_address_limit_reached(*, recipient: str) -> bool:
    # Counted from the outbox itself: exact across processes, and the rows exist anyway.
    limit = ConfirmationSettings.load().per_address_hourly_limit
    recent = Confirmation.objects.filter(
        recipient__iexact=recipient,
        kind__in=RATE_LIMITED_KINDS,
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    return recent >= limit


@transaction.atomic
def confirmation_request(
    *,
    person: Person,
    recipient: str,
    template: EmailTemplate,
    language: str = "",
    subject: str = "",
    requested_by: AbstractBaseUser | None = None,
    reply_to: str = "",
    idempotency_key: str | None = None,
    kind: str = Confirmation.Kind.MANUAL,
) -> Confirmation:
    """Queue a privacy confirmation email to one of the person's own addresses.

    Raises ValidationError for a recipient not on the person's record or a multi-line
    subject, ConfirmationRateLimited when the address had too many emails this hour. The
    same `idempotency_key` (a double-clicked form, say) returns the first Confirmation."""
    if idempotency_key:
        # Scoped to the person: a key replayed on another person's form must not answer with
        # (and show) this one's confirmation.
        existing = Confirmation.objects.filter(idempotency_key=idempotency_key, person=person).first()
        if existing is not None:
            return existing
    recipient = (recipient or "").strip()
    # Locking the address row makes concurrent requests to one address take turns, so the
    # per-address limit below counts every one of them.
    on_record = person.email_addresses.select_for_update().filter(address__iexact=recipient).first()
    if on_record is None:
        raise ValidationError(
            {"recipient": _("%(address)s is not one of this person's email addresses.") % {"address": recipient}}
        )
    if "\r" in subject or "\n" in subject:
        raise ValidationError({"subject": _("The subject must be a single line.")})
    subject = subject.strip()
    if (
        not reply_to
        and kind == Confirmation.Kind.MANUAL
        and template.sender_mode == EmailTemplate.SenderMode.LOGGED_IN_USER
        and requested_by is not None
    ):
        # From stays the organisation's address (DMARC); the staff member gets the replies.
        reply_to = getattr(requested_by, "email", "") or ""
    if kind in RATE_LIMITED_KINDS and _per_address_limit_reached(recipient=on_record.address):
        raise ConfirmationRateLimited(
            _("%(address)s has already been sent the maximum number of emails this hour. Try again later.")
            % {"address": on_record.address}
        )
    try:
        return _queue(
            person=person,
            kind=kind,
            recipient=on_record.address,
            template=template,
            language=language,
            subject=subject,
            requested_by=requested_by,
            reply_to=reply_to,
            idempotency_key=idempotency_key or None,
        )
    except IntegrityError:
        # Two requests with the same key raced past the lookup above; the first one won.
        if idempotency_key:
            existing = Confirmation.objects.filter(idempotency_key=idempotency_key, person=person).first()
            if existing is not None:
                return existing
            raise ValidationError(_("This form was already used for another person. Open it again.")) from None
        raise


def automatic_confirmation_template(*, person: Person) -> EmailTemplate | None:
    """The template the person's source sends automatically, or None (no rule)."""
    if person.source_id is None:
        return None
    rule = SendingRule.objects.select_related("template").filter(source_id=person.source_id).first()
    return rule.template if rule else None


@transaction.atomic
def confirmation_create_automatic(*, person: Person) -> Confirmation | None:
    """The automatic confirmation of a newly registered person, when automatic sending is
    on, their source has a sending rule and they have an address; else None.

    Called in the registering transaction, so a rollback takes it away again."""
    if _automatic_suppressed.get() or not ConfirmationSettings.load().automatic_sending:
        return None
    template = automatic_confirmation_template(person=person)
    if template is None:
        return None
    address = person.default_email_address()
    if address is None:
        return None
    try:
        return _queue(
            person=person,
            kind=Confirmation.Kind.AUTOMATIC,
            recipient=address.address,
            template=template,
            language="",
            subject="",
            requested_by=None,
            reply_to="",
            idempotency_key=None,
        )
    except IntegrityError:
        # The database allows one automatic confirmation per person; a second call
        # (a re-sent signal, a concurrent path) keeps the first.
        return Confirmation.objects.filter(person=person, kind=Confirmation.Kind.AUTOMATIC).first()


@transaction.atomic
def confirmation_retry(*, confirmation: Confirmation, requested_by: AbstractBaseUser | None = None) -> Confirmation:
    """Send a failed confirmation again (the privacy overview's Retry button)."""
    updated = Confirmation.objects.filter(pk=confirmation.pk, status=Confirmation.Status.FAILED).update(
        status=Confirmation.Status.PENDING,
        attempts=0,
        claimed_at=None,
        next_attempt_at=timezone.now(),
        last_error="",
    )
    if not updated:
        raise ValidationError(_("Only a failed confirmation can be retried."))
    if confirmation.activity_id:
        Activity.objects.filter(pk=confirmation.activity_id).update(status=Activity.Status.QUEUED, status_reason="")
    logger.info("Confirmation %s retried by %s", confirmation.pk, requested_by)
    _enqueue_on_commit(confirmation.pk)
    confirmation.refresh_from_db()
    return confirmation


# --- sending -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendOutcome:
    """What `confirmation_send` did; `retry_in` (seconds) asks the task to retry."""

    status: str
    retry_in: float | None = None


class _SendError(Exception):
    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


def _esp_message(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    try:
        return str(response.json().get("Message", "")) if response is not None else ""
    except (AttributeError, ValueError):
        return ""


def _classify(exc: Exception) -> _SendError:
    """Transient (retry) or permanent (fail) and a reason a staff member can read."""
    from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused

    from privacy_confirm.confirmations.rendering import TemplateTranslationMissing

    if isinstance(exc, TemplateTranslationMissing):
        return _SendError(_("The template has no translation to send: %(error)s") % {"error": exc}, transient=False)
    if isinstance(exc, AnymailRecipientsRefused):
        detail = _esp_message(exc) or str(exc).splitlines()[0]
        return _SendError(_("The provider refused the recipient: %(detail)s") % {"detail": detail}, transient=False)
    if isinstance(exc, AnymailAPIError):
        code = exc.status_code
        detail = _esp_message(exc) or str(exc).splitlines()[0]
        if code is None:
            return _SendError(_("Could not reach the provider: %(detail)s") % {"detail": detail}, transient=True)
        transient = code == 429 or code >= 500
        return _SendError(
            _("The provider answered %(code)s: %(detail)s") % {"code": code, "detail": detail}, transient=transient
        )
    if isinstance(exc, AnymailError):
        return _SendError(_("The email could not be sent: %(error)s") % {"error": exc}, transient=False)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _SendError(_("The mail server refused the recipient."), transient=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _SendError(
            _("The mail server answered %(code)s: %(detail)s") % {"code": exc.smtp_code, "detail": exc.smtp_error},
            transient=400 <= exc.smtp_code < 500,
        )
    if isinstance(exc, (OperationalError, InterfaceError)):  # the database went away mid-render
        return _SendError(_("The database was not reachable: %(error)s") % {"error": exc}, transient=True)
    if isinstance(exc, OSError):  # connection refused, timeouts, DNS
        return _SendError(_("Could not reach the mail server: %(error)s") % {"error": exc}, transient=True)
    return _SendError(_("The email could not be sent: %(error)s") % {"error": exc}, transient=False)


def _claim(confirmation_id: int) -> bool:
    """pending -> sending (or take over a stale `sending` claim); True when we won."""
    now = timezone.now()
    stale = now - timedelta(seconds=_claim_timeout())
    return bool(
        Confirmation.objects.filter(pk=confirmation_id)
        .filter(Q(status=Confirmation.Status.PENDING) | Q(status=Confirmation.Status.SENDING, claimed_at__lt=stale))
        .update(status=Confirmation.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def _fail(confirmation: Confirmation, reason: str) -> SendOutcome:
    with transaction.atomic():
        Confirmation.objects.filter(pk=confirmation.pk).update(
            status=Confirmation.Status.FAILED, last_error=reason, next_attempt_at=None
        )
        if confirmation.activity_id:
            Activity.objects.filter(pk=confirmation.activity_id).update(
                status=Activity.Status.FAILED, status_reason=reason
            )
    logger.warning("Confirmation %s failed: %s", confirmation.pk, reason)
    return SendOutcome(Confirmation.Status.FAILED)


def confirmation_send(*, confirmation_id: int) -> SendOutcome:
    """Send one queued confirmation: claim, link, render, send, archive.

    Returns what happened; `retry_in` tells the task to retry after that many seconds.
    Safe to call twice for the same row: only the caller that claims it sends."""
    if not _claim(confirmation_id):
        return SendOutcome("skipped")
    confirmation = Confirmation.objects.select_related("person", "template").get(pk=confirmation_id)
    if confirmation.attempts > _max_attempts():
        return _fail(confirmation, _("Gave up after %(count)s attempts.") % {"count": _max_attempts()})

    from privacy_confirm.confirmations import rendering

    # A failed attempt revoked its own link below. A link of an earlier attempt that is still
    # live belongs to an attempt whose outcome we never learned (the worker died after the
    # provider may have accepted it), so it stays usable: that email may be the one the
    # person has. Committed before sending: the person may click before we record "sent".
    link, token = personal_link_create(person=confirmation.person, confirmation=confirmation)
    link_url = personal_link_url(token)
    sender = ConfirmationSettings.load().from_header()
    try:
        rendered = rendering.email_render(
            template=confirmation.template,
            person=confirmation.person,
            language=confirmation.language or None,
            subject_override=confirmation.subject_override,
            link_url=link_url,
            link_expires_at=link.expires_at,
        )
        message = EmailMultiAlternatives(
            subject=rendered.subject,
            body=rendered.text,
            from_email=sender,
            to=[confirmation.recipient],
            reply_to=[confirmation.reply_to] if confirmation.reply_to else None,
            # Stable across retries, so the provider and the receiver can drop a duplicate.
            headers={"Message-ID": confirmation.message_id},
        )
        message.attach_alternative(rendered.html, "text/html")
        message.send()
    except Exception as exc:
        PersonalLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        error = _classify(exc)
        if not error.transient:
            logger.info("Permanent failure of confirmation %s", confirmation_id, exc_info=True)
            return _fail(confirmation, error.reason)
        if confirmation.attempts >= _max_attempts():
            return _fail(
                confirmation,
                _("Gave up after %(count)s attempts. Last error: %(reason)s")
                % {"count": confirmation.attempts, "reason": error.reason},
            )
        countdown = retry_countdown(confirmation.attempts)
        with transaction.atomic():
            Confirmation.objects.filter(pk=confirmation.pk, status=Confirmation.Status.SENDING).update(
                status=Confirmation.Status.PENDING,
                last_error=error.reason,
                next_attempt_at=timezone.now() + timedelta(seconds=countdown),
            )
            if confirmation.activity_id:
                Activity.objects.filter(pk=confirmation.activity_id).update(
                    status_reason=_("Attempt %(count)s failed, trying again: %(reason)s")
                    % {"count": confirmation.attempts, "reason": error.reason}
                )
        logger.info("Confirmation %s: transient failure, retry in %.0fs", confirmation_id, countdown)
        return SendOutcome(Confirmation.Status.PENDING, retry_in=countdown)

    status = getattr(message, "anymail_status", None)
    # Anymail's test backend gives ints; locmem/file backends have no anymail_status.
    esp_message_id = str(status.message_id) if status is not None and status.message_id is not None else ""
    marker = rendering.link_marker(link.expires_at, rendered.language)
    sent_at = timezone.now()
    with transaction.atomic():
        Confirmation.objects.filter(pk=confirmation.pk).update(
            status=Confirmation.Status.SENT,
            sent_at=sent_at,
            esp_message_id=esp_message_id,
            last_error="",
            next_attempt_at=None,
        )
        if confirmation.activity_id:
            Activity.objects.filter(pk=confirmation.activity_id).update(
                # The archive keeps the email as sent, except the token: a marker stands in.
                subject=rendered.subject.replace(link_url, marker).replace(token, "")[:300],
                body_html=rendered.html.replace(link_url, escape(marker)).replace(token, ""),
                body_text=rendered.text.replace(link_url, marker).replace(token, ""),
                recipient=confirmation.recipient,
                sender=sender,
                template_name=confirmation.template.name,
                template_language=rendered.language,
                status=Activity.Status.SENT,
                status_reason="",
                esp_message_id=esp_message_id,
                sent_at=sent_at,
            )
    return SendOutcome(Confirmation.Status.SENT)


# --- the sweeper -----------------------------------------------------------------------------


def confirmations_sweep() -> list[int]:
    """Re-enqueue confirmations whose queue message was lost: pending ones well past their
    next attempt, and sending ones whose worker died (claim older than the claim timeout).

    Run by celery beat every minute. Returns the ids enqueued."""
    from privacy_confirm.confirmations.tasks import confirmation_send_task

    now = timezone.now()
    lost = Q(status=Confirmation.Status.PENDING, next_attempt_at__lt=now - timedelta(seconds=_lost_after())) | Q(
        status=Confirmation.Status.PENDING, next_attempt_at__isnull=True
    )
    stale = Q(status=Confirmation.Status.SENDING, claimed_at__lt=now - timedelta(seconds=_claim_timeout()))
    ids = list(Confirmation.objects.filter(lost | stale).order_by("pk").values_list("pk", flat=True)[:1000])
    if ids:
        # Not again until the lost-after period passed once more.
        Confirmation.objects.filter(pk__in=ids, status=Confirmation.Status.PENDING).update(next_attempt_at=now)
        for confirmation_id in ids:
            confirmation_send_task.delay(confirmation_id)
        logger.info("Sweeper re-enqueued %d confirmations", len(ids))
    return ids
