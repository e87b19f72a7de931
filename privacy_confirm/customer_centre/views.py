"""The customer centre: public pages behind a personal link, and link renewal.

Mail scanners open every link in an email (GET and HEAD), so a GET here only reads; every
change is a POST with CSRF, followed by a redirect back to the page. There is no session:
the token in the URL says who the person is."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from contacts.models import Person
from privacy_confirm.confirmations.links import personal_link_find
from privacy_confirm.confirmations.models import PersonalLink
from privacy_confirm.customer_centre import selectors, services
from privacy_confirm.customer_centre.forms import LinkRenewalForm
from privacy_confirm.http import client_ip, rate_limit_exceeded, request_evidence

# Generous for a person clicking around, tight enough to make hammering pointless.
PAGE_LIMIT_PER_IP = (120, 600)  # requests, seconds
RENEWAL_LIMIT_PER_IP = (10, 3600)
RENEWAL_LIMIT_PER_ADDRESS = (3, 3600)

View = Callable[..., HttpResponse]


# Where each confirmation is shown: inside the section that changed, where the redirect
# lands, so a person on a phone sees it without scrolling back to the top.
DONE_SECTIONS = {
    "consent_given": "purposes",
    "consent_withdrawn": "purposes",
    "subscriptions_saved": "subscriptions",
    "unsubscribed_all": "subscriptions",
    "access_requested": "requests",
    "erasure_requested": "requests",
}


def _done_messages() -> dict[str, str]:
    return {
        "consent_given": _("Thank you. Your consent is registered."),
        "consent_withdrawn": _("Done. We no longer use your data for this purpose."),
        "subscriptions_saved": _("Your subscriptions are saved."),
        "unsubscribed_all": _("You are unsubscribed from everything."),
        "access_requested": _("We have received your request for a copy of your data. We answer within one month."),
        "erasure_requested": _("We have received your request to be erased. We answer within one month."),
        "unchanged": _("Nothing needed changing."),
    }


def public_page(view: View) -> View:
    """Rate limit per IP, and headers that keep the page out of caches and search engines."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        limit, window = PAGE_LIMIT_PER_IP
        if rate_limit_exceeded(scope="centre-ip", key=client_ip(request) or "-", limit=limit, window_seconds=window):
            response = _too_many_requests(request)
        else:
            response = view(request, *args, **kwargs)
        # The page shows personal data: no shared cache, no back-button copy, no index.
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


def _language(request: HttpRequest, person: Person | None = None) -> str:
    requested = request.POST.get("lang", "") if request.method == "POST" else request.GET.get("lang", "")
    if person is None:
        # No person known: the browser's language (LocaleMiddleware) unless switched.
        return selectors.centre_language(person_language=translation.get_language() or "", requested=requested)
    return selectors.centre_language(person_language=person.language, requested=requested)


def _render(request: HttpRequest, template: str, context: dict, *, language: str, status: int = 200) -> HttpResponse:
    # Rendered here (not a lazy TemplateResponse) so the override covers the rendering.
    # The language switch links back to this page, or to the renewal form for pages that
    # have no person (a POST address would answer a GET with 405).
    context = {"switch_url": reverse("customer_centre:renew"), **context, "language": language}
    with translation.override(language):
        response = render(request, template, context, status=status)
    response["Content-Language"] = language
    return response


def _link_invalid(request: HttpRequest) -> HttpResponse:
    """One page for expired, revoked and unknown links alike: nobody learns which it was."""
    language = _language(request)
    return _render(
        request,
        "customer_centre/link_invalid.html",
        {"form": LinkRenewalForm(), "link_invalid": True},
        language=language,
        status=404,
    )


def _too_many_requests(request: HttpRequest) -> HttpResponse:
    return _render(request, "customer_centre/too_many_requests.html", {}, language=_language(request), status=429)


def _centre_page(
    request: HttpRequest, link: PersonalLink, token: str, *, language: str, error: str = "", status: int = 200
) -> HttpResponse:
    with translation.override(language):
        overview = selectors.centre_overview(link=link, language=language)
        done_code = request.GET.get("done", "") if request.method in ("GET", "HEAD") else ""
        done = _done_messages().get(done_code, "")
        section = request.GET.get("in", "")
        done_section = DONE_SECTIONS.get(done_code) or (section if section in DONE_SECTIONS.values() else "")
    context = {
        "overview": overview,
        "person": overview.person,
        "organisation": overview.organisation,
        "token": token,
        "switch_url": reverse("customer_centre:centre", args=[token]),
        "done": done,
        "done_section": done_section,
        "error": error,
    }
    return _render(request, "customer_centre/centre.html", context, language=language, status=status)


def _back_to_centre(token: str, *, language: str, done: str, anchor: str) -> HttpResponseRedirect:
    # 303: the browser follows with a GET, so reloading the page never repeats the POST.
    query = urlencode({"lang": language, "done": done, "in": anchor})
    url = reverse("customer_centre:centre", args=[token]) + "?" + query
    response = HttpResponseRedirect(f"{url}#{anchor}")
    response.status_code = 303
    return response


def personal_page(view: View) -> View:
    """The page of the person whose link `token` is: the view gets the usable link and the
    page's language, and an expired, revoked or unknown link gets the invalid-link page."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str, **kwargs: object) -> HttpResponse:
        link = personal_link_find(token=token)
        if link is None or not link.is_usable():
            return _link_invalid(request)
        return view(request, link, token, language=_language(request, link.person), **kwargs)

    return wrapped


@public_page
@require_http_methods(["GET", "HEAD"])
@personal_page
def centre(request: HttpRequest, link: PersonalLink, token: str, *, language: str) -> HttpResponse:
    return _centre_page(request, link, token, language=language)


@public_page
@require_POST
@personal_page
def consent_change(
    request: HttpRequest, link: PersonalLink, token: str, *, language: str, purpose_key: str
) -> HttpResponse:
    action = request.POST.get("action")
    if action not in ("give", "withdraw"):
        return HttpResponseBadRequest()
    try:
        changes = services.centre_consent_change(
            person=link.person,
            purpose_key=purpose_key,
            give=action == "give",
            evidence=request_evidence(request),
            language=language,
        )
    except services.CentreChangeRefusedError:
        with translation.override(language):
            error = _("This cannot be changed here. Contact us if you have questions.")
        return _centre_page(request, link, token, language=language, error=error, status=403)
    done = ("consent_given" if action == "give" else "consent_withdrawn") if changes else "unchanged"
    return _back_to_centre(token, language=language, done=done, anchor="purposes")


@public_page
@require_POST
@personal_page
def subscriptions_change(request: HttpRequest, link: PersonalLink, token: str, *, language: str) -> HttpResponse:
    if request.POST.get("action") == "unsubscribe_all":
        changes = services.centre_unsubscribe_all(person=link.person, evidence=request_evidence(request))
        done = "unsubscribed_all" if changes else "unchanged"
    else:
        changes = services.centre_subscriptions_set(
            person=link.person,
            subscribed_keys=set(request.POST.getlist("subscribed")),
            shown_keys=set(request.POST.getlist("shown")),
            evidence=request_evidence(request),
        )
        done = "subscriptions_saved" if changes else "unchanged"
    return _back_to_centre(token, language=language, done=done, anchor="subscriptions")


@public_page
@require_POST
@personal_page
def data_request(request: HttpRequest, link: PersonalLink, token: str, *, language: str) -> HttpResponse:
    kind = request.POST.get("kind", "")
    if kind not in services.DATA_REQUEST_KINDS:
        return HttpResponseBadRequest()
    services.centre_data_request(person=link.person, kind=kind, evidence=request_evidence(request))
    return _back_to_centre(token, language=language, done=f"{kind}_requested", anchor="requests")


@public_page
@require_http_methods(["GET", "HEAD", "POST"])
def renew(request: HttpRequest) -> HttpResponse:
    """Ask for a fresh link. The answer never says whether the address is on file: the
    lookup and the email happen in a task, so even the response time is the same."""
    language = _language(request)
    if request.method != "POST":
        return _render(request, "customer_centre/link_invalid.html", {"form": LinkRenewalForm()}, language=language)
    limit, window = RENEWAL_LIMIT_PER_IP
    if rate_limit_exceeded(scope="renewal-ip", key=client_ip(request) or "-", limit=limit, window_seconds=window):
        return _too_many_requests(request)
    form = LinkRenewalForm(request.POST)
    if not form.is_valid():
        return _render(request, "customer_centre/link_invalid.html", {"form": form}, language=language, status=400)
    address = form.cleaned_data["email"]
    limit, window = RENEWAL_LIMIT_PER_ADDRESS
    # Counted for every address, on file or not, so the limit itself gives nothing away.
    if rate_limit_exceeded(scope="renewal-address", key=address, limit=limit, window_seconds=window):
        return _too_many_requests(request)
    services.link_renewal_request_enqueue(address=address)
    return _render(request, "customer_centre/renewal_sent.html", {}, language=language)


@login_required
@permission_required("contacts.change_person", raise_exception=True)
@require_POST
def person_links_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    count = services.person_links_revoke_by_staff(person=person, user=request.user)
    messages.success(
        request,
        ngettext("%(count)d personal link revoked.", "%(count)d personal links revoked.", count) % {"count": count},
    )
    return redirect(reverse("contacts:person_detail", args=[person.pk]) + "#personal-links")
