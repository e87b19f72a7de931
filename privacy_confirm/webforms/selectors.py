"""Read-side queries of the web forms."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from contacts.models import SubscriptionType
from privacy_confirm.webforms.models import WebForm, WebFormPurpose


def webform_get_public(*, slug: str) -> WebForm | None:
    """The form at /forms/<slug>/ with its active purposes and subscription types (and their
    translations) fetched along, so rendering costs a fixed number of queries."""
    form_purposes = (
        WebFormPurpose.objects.filter(purpose__active=True)
        .select_related("purpose")
        .prefetch_related("purpose__translations")
        .order_by("rank", "purpose__rank", "id")
    )
    subscription_types = SubscriptionType.objects.filter(active=True).prefetch_related("translations")
    return (
        WebForm.objects.prefetch_related(
            Prefetch("form_purposes", queryset=form_purposes, to_attr="public_purposes"),
            Prefetch("subscription_types", queryset=subscription_types, to_attr="public_subscription_types"),
        )
        .filter(slug=slug)
        .first()
    )


def webform_list() -> QuerySet[WebForm]:
    """Forms with their number of submissions (`submission_count`)."""
    return WebForm.objects.annotate(submission_count=Count("submissions"))
