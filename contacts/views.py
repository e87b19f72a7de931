from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from contacts import selectors, services
from contacts.forms import CompanyForm, EmailAddressFormSet, PersonForm, PersonSearchForm
from contacts.models import Company, Person
from contacts.person_page import person_page_cards, person_page_tasks

PERSONS_PER_PAGE = 25


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
    }
    return render(request, "contacts/person_detail.html", context)


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
