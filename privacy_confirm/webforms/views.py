"""The public form pages. They live inside other sites' iframes, so: no session and no CSRF
cookie (a cross-site iframe gets no SameSite=Lax cookie), X-Frame-Options lifted and
replaced by CSP frame-ancestors naming the form's allowed origins, and the POST guarded
by a honeypot and a per-IP rate limit instead of a CSRF token."""

from __future__ import annotations

import math
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from contacts.services import ConsentGrant
from privacy_confirm.http import client_ip, rate_limit_exceeded, request_evidence
from privacy_confirm.webforms import selectors, services
from privacy_confirm.webforms.forms import HONEYPOT_FIELD, WebFormSubmissionForm, honeypot_filled
from privacy_confirm.webforms.models import WebForm

# Per client IP, over all forms. Generous for an office behind one address, tight for a robot.
RATE_LIMIT = 10
RATE_LIMIT_WINDOW_SECONDS = 600


def _page(
    request: HttpRequest, webform: WebForm, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render in the form's language (render() renders now, inside the override) with the
    headers that let the allowed origins, and only those, frame the page."""
    response = render(request, template, {"webform": webform, **context}, status=status)
    ancestors = " ".join(["'self'", *webform.origins()])
    response["Content-Security-Policy"] = (
        f"default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )
    response["Content-Language"] = webform.language
    return response


def _webform_or_404(slug: str) -> WebForm:
    webform = selectors.webform_get_public(slug=slug)
    if webform is None:
        raise Http404
    return webform


@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def webform_page(request: HttpRequest, slug: str) -> HttpResponse:
    webform = _webform_or_404(slug)
    with translation.override(webform.language):
        if not webform.active:
            return _page(request, webform, "webforms/closed.html", {}, status=404)
        if request.method == "POST":
            if rate_limit_exceeded(
                scope="webform", key=client_ip(request), limit=RATE_LIMIT, window_seconds=RATE_LIMIT_WINDOW_SECONDS
            ):
                response = _page(
                    request,
                    webform,
                    "webforms/rate_limited.html",
                    {"retry_minutes": math.ceil(RATE_LIMIT_WINDOW_SECONDS / 60)},
                    status=429,
                )
                response["Retry-After"] = str(RATE_LIMIT_WINDOW_SECONDS)
                return response
            if honeypot_filled(request.POST):
                return redirect("webforms:thanks", slug=webform.slug)
            form = WebFormSubmissionForm(request.POST, webform=webform)
            if form.is_valid():
                services.webform_submit(
                    webform=webform, data=_submission_data(form), evidence=request_evidence(request)
                )
                return redirect("webforms:thanks", slug=webform.slug)
        else:
            form = WebFormSubmissionForm(webform=webform)
        return _page(request, webform, "webforms/form.html", {"form": form, "honeypot_field": HONEYPOT_FIELD})


@xframe_options_exempt
@require_safe
def webform_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    webform = _webform_or_404(slug)
    with translation.override(webform.language):
        return _page(request, webform, "webforms/thanks.html", {})


def _submission_data(form: WebFormSubmissionForm) -> services.SubmissionData:
    data = form.cleaned_data
    return services.SubmissionData(
        email=data["email"],
        first_name=data.get("first_name", ""),
        last_name=data.get("last_name", ""),
        title=data.get("title", ""),
        company_name=data.get("company", ""),
        phone=data.get("phone", ""),
        consents=[
            ConsentGrant(
                purpose=box.purpose,
                approval_text=box.approval_text,
                privacy_statement_url=box.privacy_statement_url,
            )
            for box in form.chosen_consent_boxes()
        ],
        subscription_types=form.chosen_subscription_types(),
    )
