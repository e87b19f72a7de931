"""The "Send privacy confirmation email" form: a plain page that works without JavaScript,
loaded into a <dialog> on the person page when JavaScript runs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from contacts import selectors as contacts_selectors
from contacts import services as contacts_services
from contacts.models import Person
from privacy_confirm.confirmations import services
from privacy_confirm.confirmations.forms import EmailAddressAddForm, SendConfirmationForm, SendState, send_state
from privacy_confirm.confirmations.rendering import (
    RenderedEmail,
    TemplateTranslationMissing,
    dummy_link,
    email_render,
)

SEND_PERMISSION = "confirmations.send_confirmation"
# The form shows the person's addresses and data: sending needs seeing the person too.
SEND_PERMISSIONS = (SEND_PERMISSION, "contacts.view_person")
# The client event that closes the dialog (see static/confirmations/send.js).
SENT_EVENT = "confirmationSent"


def _person(pk: int) -> Person:
    return get_object_or_404(
        Person.objects.select_related("company", "source").prefetch_related("email_addresses"), pk=pk
    )


def _preview_url(person: Person) -> str:
    return reverse("confirmations:send_preview", args=[person.pk])


def _in_dialog(request: HttpRequest) -> bool:
    # The dialog's requests are htmx requests; the plain page (no JavaScript) is not.
    return bool(getattr(request, "htmx", False))


def _preview(*, person: Person, state: SendState) -> tuple[RenderedEmail | None, str]:
    """The email as it will be sent, with a dummy link; or the reason it cannot be rendered."""
    if state.template is None:
        return None, _("There is no privacy email template. An administrator can add one in the settings.")
    if not state.language:
        return None, _("This template has no translation. Add one in the template settings.")
    url, expires_at = dummy_link()
    try:
        rendered = email_render(
            template=state.template,
            person=person,
            language=state.language,
            subject_override=state.subject,
            link_url=url,
            link_expires_at=expires_at,
        )
    except TemplateTranslationMissing:
        return None, _("This template has no translation in the chosen language.")
    return rendered, ""


def _form_context(
    request: HttpRequest,
    *,
    person: Person,
    state: SendState,
    form: SendConfirmationForm | None = None,
    address_form: EmailAddressAddForm | None = None,
) -> dict[str, Any]:
    form = form or SendConfirmationForm(
        person=person, state=state, initial=state.initial, preview_url=_preview_url(person)
    )
    preview, preview_error = _preview(person=person, state=state)
    return {
        "person": person,
        "state": state,
        "form": form,
        "address_form": address_form or EmailAddressAddForm(initial={"new_address": state.new_address}),
        "preview": preview,
        "preview_error": preview_error,
        "in_dialog": _in_dialog(request),
        "can_add_address": request.user.has_perm("contacts.add_emailaddress"),
        "has_addresses": bool(person.email_addresses.all()),
    }


def _render_form(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    template = "confirmations/_send_form.html" if context["in_dialog"] else "confirmations/send_page.html"
    return render(request, template, context)


@login_required
@permission_required(SEND_PERMISSIONS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def send_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows the form (and changes nothing); POST sends, or with action=refresh only
    redraws the form for browsers without JavaScript."""
    person = _person(pk)
    data = request.GET if request.method == "GET" else request.POST
    state = send_state(person=person, data=data)
    if request.method == "GET" or data.get("action") == "refresh":
        return _render_form(request, _form_context(request, person=person, state=state))

    form = SendConfirmationForm(request.POST, person=person, state=state, preview_url=_preview_url(person))
    if form.is_valid():
        try:
            # The service makes the logged-in user the Reply-To when the template says so.
            confirmation = services.confirmation_request(
                person=person,
                recipient=form.cleaned_data["recipient"],
                template=form.cleaned_data["template"],
                language=form.cleaned_data["language"],
                subject=form.cleaned_data["subject"],
                requested_by=request.user,
                idempotency_key=str(form.cleaned_data["idempotency_key"]),
            )
        except services.ConfirmationRateLimited as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            message = _("The privacy confirmation email to %(address)s is queued.") % {
                "address": confirmation.recipient
            }
            if _in_dialog(request):
                return _sent_response(request, person=person, message=message)
            messages.success(request, message)
            return redirect(reverse("contacts:person_detail", args=[person.pk]) + "#activities")
    return _render_form(request, _form_context(request, person=person, state=state, form=form))


def _add_service_errors(form: SendConfirmationForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _sent_response(request: HttpRequest, *, person: Person, message: str) -> HttpResponse:
    """Empty the dialog, show the message, redraw the Activities card (whose queued
    entries poll until sent) and tell the page to close the dialog."""
    context = {
        "person": person,
        "activities": contacts_selectors.person_activities(person=person),
        "message": message,
    }
    response = render(request, "confirmations/_send_done.html", context)
    return trigger_client_event(response, SENT_EVENT, {"message": message})


@login_required
@permission_required(SEND_PERMISSIONS, raise_exception=True)
@require_GET
def send_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview fragment for the form's current values. Reads only.

    When the template changed, the language field comes along as an out-of-band swap; when
    the default subject changed, so does the subject field (keeping an edited subject)."""
    person = _person(pk)
    state = send_state(person=person, data=request.GET)
    context = _form_context(request, person=person, state=state)
    context["swap_language"] = request.GET.get("template_shown", "") != str(state.template.pk if state.template else "")
    context["swap_subject"] = state.subject_default != request.GET.get(
        "subject_default"
    ) or state.subject != request.GET.get("subject")
    return render(request, "confirmations/_send_preview_update.html", context)


@login_required
@permission_required(SEND_PERMISSIONS, raise_exception=True)
@permission_required("contacts.add_emailaddress", raise_exception=True)
@require_POST
def send_address_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Save a new, validated address on the person and select it in the send form.

    The request carries the whole send form, so what the user chose so far is kept."""
    person = _person(pk)
    address_form = EmailAddressAddForm(request.POST)
    if address_form.is_valid():
        try:
            address = contacts_services.email_address_add(
                person=person, address=address_form.cleaned_data["new_address"]
            )
        except ValidationError as error:
            address_form.add_error("new_address", error)
        else:
            person = _person(pk)  # the prefetched addresses are stale
            data = request.POST.copy()
            data["recipient"] = address.address
            data["new_address"] = ""
            state = send_state(person=person, data=data)
            context = _form_context(request, person=person, state=state)
            context["address_added"] = address.address
            return _render_form(request, context)
    state = send_state(person=person, data=request.POST)
    return _render_form(request, _form_context(request, person=person, state=state, address_form=address_form))
