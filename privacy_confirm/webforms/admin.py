from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy as _

from privacy_confirm.webforms import selectors
from privacy_confirm.webforms.models import WebForm, WebFormPurpose, WebFormSubmission


def embed_snippet(webform: WebForm) -> str:
    """The HTML an administrator pastes into a page on one of the allowed origins."""
    return (
        f'<iframe src="{escape(webform.public_url())}" title="{escape(webform.heading or webform.name)}" '
        'style="width:100%;max-width:40rem;height:46rem;border:0" loading="lazy"></iframe>'
    )


class WebFormPurposeInline(admin.TabularInline):
    model = WebFormPurpose
    extra = 1
    fields = ["purpose", "required", "show_privacy_statement", "rank"]


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "active", "public_url_link", "submission_count"]
    list_filter = ["active", "language"]
    search_fields = ["name", "slug", "heading"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [WebFormPurposeInline]
    readonly_fields = ["public_url_link", "embed_snippet_field", "submission_count"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    fieldsets = [
        (None, {"fields": ["name", "slug", "language", "active"]}),
        (_("Texts"), {"fields": ["heading", "intro_text", "thank_you_text"]}),
        (
            _("Person fields"),
            {
                "fields": ["first_name", "last_name", "title", "company", "phone"],
                "description": _("The email address is always shown and always required."),
            },
        ),
        (_("Subscriptions"), {"fields": ["subscription_types"]}),
        (
            _("Publishing"),
            {"fields": ["allowed_origins", "public_url_link", "embed_snippet_field", "submission_count"]},
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebForm]:
        return selectors.webform_list()

    @admin.display(description=_("public address"))
    def public_url_link(self, obj: WebForm) -> str:
        if not obj.pk:
            return "—"
        url = obj.public_url()
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.display(description=_("code to embed the form"))
    def embed_snippet_field(self, obj: WebForm) -> str:
        if not obj.pk:
            return _("Save the form first.")
        return format_html(
            '<textarea readonly rows="3" cols="90" aria-label="{}" onfocus="this.select()">{}</textarea>',
            _("code to embed the form"),
            embed_snippet(obj),
        )

    @admin.display(description=_("submissions"), ordering="submission_count")
    def submission_count(self, obj: WebForm) -> int:
        return getattr(obj, "submission_count", 0) if obj.pk else 0


@admin.register(WebFormSubmission)
class WebFormSubmissionAdmin(admin.ModelAdmin):
    """Read-only: submissions are written by the public form, and the evidence of what the
    person agreed to is in the consent ledger."""

    list_display = ["created_at", "webform", "person", "created_person"]
    list_filter = ["webform", "created_person", "created_at"]
    search_fields = ["webform__name", "person__first_name", "person__last_name", "person__email_addresses__address"]
    list_select_related = ["webform", "person"]
    date_hierarchy = "created_at"
    readonly_fields = ["webform", "person", "created_person", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WebFormSubmission | None = None) -> bool:
        return False
