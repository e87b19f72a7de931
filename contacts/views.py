from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contacts import selectors, services
from contacts.forms import (
    CompanyForm,
    ConsentBulkPageForm,
    ConsentEditForm,
    EmailAddressFormSet,
    EmarketingSwitchForm,
    PersonForm,
    PersonSearchForm,
)
from contacts.models import Company, ConsentEvent, Person, Purpose
from contacts.person_page import person_page_cards, person_page_tasks

PERSONS_PER_PAGE = 25
HISTORY_ON_PERSON_PAGE = 10
HISTORY_PER_PAGE = 50
BULK_PERSONS_PER_PAGE = 50


@login_required
@permission_required("contacts.view_person", raise_exception=True)
def person_list(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    paginator = Paginator(selectors.person_search(query=query), PERSONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    template = "contacts/_person_rows.html" if request.htmx else "contacts/person_list.html"
    return render(request, template, {"form": form, "page": page, "query": query})


@login_required
@permission_required("contacts.view_person", raise_exception=True)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        Person.objects.select_related("company", "source", "registered_by").prefetch_related("email_addresses"),
        pk=pk,
    )
    context = {
        "person": person,
        "activities": selectors.person_activities(person=person),
        "cards": person_page_cards(request, person),
        "tasks": person_page_tasks(request, person),
        **_consents_card_context(request, person),
    }
    return render(request, "contacts/person_detail.html", context)


def _consents_card_context(request: HttpRequest, person: Person) -> dict[str, object]:
    purpose_consents = selectors.person_consents(person=person)
    if request.user.has_perm("contacts.change_consent"):
        # One "Edit legal basis" dialog per purpose; the choices are loaded once for all of them.
        legal_bases, sources = selectors.active_legal_bases(), selectors.active_sources()
        for line in purpose_consents:
            consent = line.consent
            line.edit_form = ConsentEditForm(
                legal_bases=legal_bases,
                sources=sources,
                auto_id=f"consent-{line.purpose.pk}-%s",
                initial={
                    "legal_basis": consent.legal_basis_id if consent else None,
                    "source": consent.source_id if consent else None,
                },
            )
    events = None
    if request.user.has_perm("contacts.view_consentevent"):
        events = list(selectors.person_consent_events(person=person)[: HISTORY_ON_PERSON_PAGE + 1])
    return {
        "purpose_consents": purpose_consents,
        "subscriptions": selectors.person_subscriptions(person=person),
        "consent_events": events[:HISTORY_ON_PERSON_PAGE] if events is not None else None,
        "more_consent_events": events is not None and len(events) > HISTORY_ON_PERSON_PAGE,
    }


@login_required
@permission_required(["contacts.view_person", "contacts.change_consent"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def consent_edit(request: HttpRequest, pk: int, purpose_pk: int) -> HttpResponse:
    """The "Edit legal basis" page behind the person page's dialog, which works without JavaScript."""
    person = get_object_or_404(Person, pk=pk)
    purpose = get_object_or_404(Purpose.objects.prefetch_related("translations"), pk=purpose_pk, active=True)
    consent = person.consents.select_related("legal_basis", "source").filter(purpose=purpose).first()
    initial = {"legal_basis": consent.legal_basis_id, "source": consent.source_id} if consent else {}
    form = ConsentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.consent_set(
            person=person,
            purpose=purpose,
            legal_basis=form.cleaned_data["legal_basis"],
            source=form.cleaned_data["source"],
            comment=form.cleaned_data["comment"],
            actor_type=ConsentEvent.Actor.USER,
            actor_user=request.user,
        )
        messages.success(
            request,
            _("The legal basis for %(purpose)s is now %(basis)s.")
            % {"purpose": purpose.translated("name"), "basis": form.cleaned_data["legal_basis"].display_name()},
        )
        return redirect("contacts:person_detail", pk=person.pk)
    context = {"person": person, "purpose": purpose, "consent": consent, "form": form}
    return render(request, "contacts/consent_edit.html", context)


@login_required
@permission_required("contacts.view_person", raise_exception=True)
@require_http_methods(["POST"])
def emarketing_switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Switching E-marketing on or off: all a user without `contacts.change_consent` may change."""
    person = get_object_or_404(Person, pk=pk)
    form = EmarketingSwitchForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest()
    enabled = form.cleaned_data["enabled"]
    try:
        consent = services.emarketing_switch(person=person, enabled=enabled, actor_user=request.user)
    except services.ConsentChangeRefused as refused:
        messages.error(request, _(str(refused)))
        return redirect(f"{reverse('contacts:person_detail', args=[person.pk])}#consents")
    if consent is None:
        raise Http404
    messages.success(request, _("E-marketing is on.") if enabled else _("E-marketing is off."))
    return redirect(f"{reverse('contacts:person_detail', args=[person.pk])}#consents")


@login_required
@permission_required(["contacts.view_person", "contacts.view_consentevent"], raise_exception=True)
def consent_history(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    page = Paginator(selectors.person_consent_events(person=person), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contacts/consent_history.html", {"person": person, "page": page})


@login_required
@permission_required(["contacts.view_person", "contacts.change_consent"], raise_exception=True)
@require_http_methods(["GET", "POST"])
def consents_bulk(request: HttpRequest) -> HttpResponse:
    """Give many persons one legal basis for one purpose: search, tick (or take every match), apply."""
    query = (request.POST.get("q") if request.method == "POST" else request.GET.get("q", "")) or ""
    query = query.strip()[:200]
    form = ConsentBulkPageForm(request.POST or None, initial={"q": query})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        persons = selectors.person_search(query=query) if data["scope"] == form.ALL else data["persons"]
        messages.success(request, form.apply(persons=persons, actor_user=request.user))
        return redirect(f"{reverse('contacts:consents_bulk')}?{urlencode({'q': query})}")
    page = Paginator(selectors.person_search(query=query), BULK_PERSONS_PER_PAGE).get_page(request.GET.get("page"))
    ticked = set(request.POST.getlist("persons"))
    return render(
        request, "contacts/consents_bulk.html", {"form": form, "page": page, "query": query, "ticked": ticked}
    )


@login_required
@permission_required("contacts.view_person", raise_exception=True)
def activity_detail(request: HttpRequest, pk: int, activity_pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    activity = get_object_or_404(person.activities.select_related("created_by"), pk=activity_pk)
    template = "contacts/_activity.html" if request.htmx else "contacts/activity_detail.html"
    return render(request, template, {"person": person, "activity": activity, "open": True})


@login_required
@permission_required("contacts.add_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    formset = EmailAddressFormSet(request.POST or None, prefix="addresses")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        addresses = [
            services.EmailAddressData(
                address=f.cleaned_data["address"], description=f.cleaned_data.get("description", "")
            )
            for f in formset.forms
            if f.cleaned_data.get("address") and not f.cleaned_data.get("DELETE")
        ]
        person = services.person_register(**form.cleaned_data, email_addresses=addresses, registered_by=request.user)
        messages.success(request, _("%(name)s was registered.") % {"name": person.full_name})
        return redirect("contacts:person_detail", pk=person.pk)
    return render(request, "contacts/person_form.html", {"form": form, "formset": formset, "person": None})


@login_required
@permission_required("contacts.change_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    form = PersonForm(request.POST or None, instance=person)
    formset = EmailAddressFormSet(request.POST or None, instance=person, prefix="addresses")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            services.person_update(person=person, updated_by=request.user, **form.cleaned_data)
            formset.save()
        messages.success(request, _("Your changes were saved."))
        return redirect("contacts:person_detail", pk=person.pk)
    return render(request, "contacts/person_form.html", {"form": form, "formset": formset, "person": person})


@login_required
@permission_required("contacts.view_company", raise_exception=True)
def company_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    companies = Company.objects.all()
    if query:
        companies = companies.filter(name__icontains=query)
    page = Paginator(companies, PERSONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "contacts/company_list.html", {"page": page, "query": query})


@login_required
@permission_required("contacts.add_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_create(request: HttpRequest) -> HttpResponse:
    return _company_form(request, None)


@login_required
@permission_required("contacts.change_company", raise_exception=True)
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _company_form(request, get_object_or_404(Company, pk=pk))


def _company_form(request: HttpRequest, company: Company | None) -> HttpResponse:
    form = CompanyForm(request.POST or None, instance=company)
    if request.method == "POST" and form.is_valid():
        company = form.save()
        messages.success(request, _("%(name)s was saved.") % {"name": company.name})
        return redirect("contacts:company_list")
    return render(request, "contacts/company_form.html", {"form": form, "company": company})
