"""The privacy overview: what the GDPR's right to be informed still asks of the staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from privacy_confirm.confirmations import selectors, services
from privacy_confirm.confirmations.models import Confirmation

PER_PAGE = 25


def _page(request: HttpRequest, queryset: QuerySet, parameter: str) -> Page:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get(parameter))


def _deadline(deadline: datetime) -> dict[str, Any]:
    days_left = selectors.days_left(deadline)
    return {"deadline": deadline, "days_left": days_left, "overdue": -days_left if days_left < 0 else 0}


@login_required
@permission_required("confirmations.view_confirmation", raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    failed = _page(request, selectors.confirmations_failed(), "failed_page")
    never = _page(request, selectors.persons_never_informed(), "never_page")
    requests = _page(request, selectors.data_requests_open(), "requests_page")
    automatic_sending = selectors.automatic_sending_on()
    never_rows = [
        {
            "person": person,
            "reason": selectors.never_informed_reason(person, automatic_sending=automatic_sending),
            **_deadline(selectors.inform_deadline(person)),
        }
        for person in never.object_list
    ]
    request_rows = [
        {"activity": activity, **_deadline(selectors.request_deadline(activity))} for activity in requests.object_list
    ]
    return render(
        request,
        "confirmations/overview.html",
        {
            "failed": failed,
            "never": never,
            "never_rows": never_rows,
            "requests": requests,
            "request_rows": request_rows,
            "inform_within_days": selectors.INFORM_WITHIN_DAYS,
        },
    )


@login_required
@permission_required("confirmations.send_confirmation", raise_exception=True)
@require_POST
def confirmation_retry(request: HttpRequest, pk: int) -> HttpResponse:
    confirmation = get_object_or_404(Confirmation.objects.select_related("person"), pk=pk)
    try:
        services.confirmation_retry(confirmation=confirmation, requested_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The privacy confirmation to %(recipient)s is queued again.") % {"recipient": confirmation.recipient},
        )
    return redirect("confirmations:overview")
