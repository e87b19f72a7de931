from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts import services
from contacts.forms import ConsentBulkUpdateForm
from contacts.models import (
    Activity,
    Company,
    Consent,
    ConsentEvent,
    ConsentSource,
    EmailAddress,
    LegalBasis,
    OrganisationSettings,
    Person,
    Purpose,
    PurposeTranslation,
    Subscription,
    SubscriptionType,
    SubscriptionTypeTranslation,
)

admin.site.site_header = "Privacy confirm"
admin.site.site_title = "Privacy confirm"


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "org_number", "country"]
    search_fields = ["name", "org_number"]
    list_filter = ["country"]


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 1
    fields = ["address", "rank", "description", "bounced"]


class ActiveChoicesMixin:
    """Inactive legal bases and sources are kept for history but not offered for new
    choices; the value a row already has stays selectable, so it can still be saved."""

    def get_form(self, request, obj=None, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, **kwargs)  # type: ignore[misc]
        for name, field in form.base_fields.items():
            model = getattr(getattr(field, "queryset", None), "model", None)
            if model in (LegalBasis, ConsentSource):
                current = getattr(obj, f"{name}_id", None)
                field.queryset = model.objects.filter(Q(active=True) | Q(pk=current))
        return form


@admin.register(Person)
class PersonAdmin(ActiveChoicesMixin, admin.ModelAdmin):
    list_display = ["__str__", "company", "language", "source", "registered_at"]
    search_fields = ["first_name", "last_name", "email_addresses__address", "company__name"]
    list_filter = ["language", "source", "registered_at"]
    list_select_related = ["company", "source"]
    autocomplete_fields = ["company"]
    inlines = [EmailAddressInline]
    readonly_fields = ["registered_at", "registered_by", "updated_at", "updated_by"]
    actions = ["consents_bulk_update"]

    def has_change_consent_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contacts.change_consent")

    @admin.action(description=gettext_lazy("Set legal basis for a purpose"), permissions=["change_consent"])
    def consents_bulk_update(self, request: HttpRequest, queryset: QuerySet[Person]) -> HttpResponse | None:
        """Admin's intermediate-page pattern: the first POST (from the change list) shows the
        form; the second, with "apply", runs the service on the same selection."""
        form = ConsentBulkUpdateForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            self.message_user(
                request,
                form.apply(persons=queryset, actor_user=request.user),
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Set legal basis for a purpose"),
            "opts": self.model._meta,
            "form": form,
            "count": queryset.count(),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/contacts/person/consents_bulk_update.html", context)

    def save_model(self, request: HttpRequest, obj: Person, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        if not change:
            obj.registered_by = request.user
            if obj.source_id is None:
                obj.source = ConsentSource.objects.get(key=ConsentSource.CREATED_BY_USER)
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_related(request, form, formsets, change)
        # Admin saves the inline addresses only now; the registration is complete here.
        # changeform_view runs in one transaction, as person_register does.
        if not change:
            services.person_registration_complete(person=form.instance, registered_by=request.user)


@admin.register(EmailAddress)
class EmailAddressAdmin(admin.ModelAdmin):
    list_display = ["address", "person", "rank", "bounced"]
    search_fields = ["address", "person__first_name", "person__last_name"]
    list_filter = ["bounced"]
    list_select_related = ["person"]
    autocomplete_fields = ["person"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "subject", "person", "recipient", "status"]
    list_filter = ["kind", "status", "direction", "created_at"]
    search_fields = ["subject", "recipient", "person__first_name", "person__last_name"]
    list_select_related = ["person"]
    autocomplete_fields = ["person", "company"]
    date_hierarchy = "created_at"


class PurposeTranslationInline(admin.StackedInline):
    model = PurposeTranslation
    extra = 0


@admin.register(Purpose)
class PurposeAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "active", "rank"]
    list_filter = ["active"]
    search_fields = ["name", "key"]
    ordering = ["rank", "name"]
    list_editable = ["rank", "active"]
    inlines = [PurposeTranslationInline]

    def has_delete_permission(self, request: HttpRequest, obj: Purpose | None = None) -> bool:
        return False  # deactivate instead: consents and the ledger point at purposes


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "rank", "active"]
    list_filter = ["active"]
    search_fields = ["name", "key"]
    ordering = ["rank", "name"]
    list_editable = ["rank", "active"]

    def has_delete_permission(self, request: HttpRequest, obj: LegalBasis | None = None) -> bool:
        return False


@admin.register(ConsentSource)
class ConsentSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "rank", "active"]
    list_filter = ["active"]
    search_fields = ["name", "key"]
    ordering = ["rank", "name"]
    list_editable = ["rank", "active"]

    def has_delete_permission(self, request: HttpRequest, obj: ConsentSource | None = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ["person", "purpose", "legal_basis", "source", "updated_at", "updated_by"]
    list_filter = ["purpose", "legal_basis", "source"]
    search_fields = ["person__first_name", "person__last_name", "person__email_addresses__address"]
    list_select_related = ["person", "purpose", "legal_basis", "source", "updated_by"]
    readonly_fields = [f.name for f in Consent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # changes go through consent_set, which writes the ledger

    def has_change_permission(self, request: HttpRequest, obj: Consent | None = None) -> bool:
        return False  # view only: the person page and the bulk action change consents

    def has_delete_permission(self, request: HttpRequest, obj: Consent | None = None) -> bool:
        return False


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "person",
        "purpose",
        "subscription_type",
        "legal_basis_before",
        "legal_basis_after",
        "actor_type",
        "source",
    ]
    list_filter = ["purpose", "actor_type", "source", "created_at"]
    search_fields = ["person__first_name", "person__last_name", "comment"]
    list_select_related = [
        "person",
        "purpose",
        "subscription_type",
        "legal_basis_before",
        "legal_basis_after",
        "source",
    ]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ConsentEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ConsentEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ConsentEvent | None = None) -> bool:
        return False


class SubscriptionTypeTranslationInline(admin.TabularInline):
    model = SubscriptionTypeTranslation
    extra = 0


@admin.register(SubscriptionType)
class SubscriptionTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "active", "rank"]
    list_filter = ["active"]
    search_fields = ["name", "key"]
    ordering = ["rank", "name"]
    list_editable = ["rank", "active"]
    inlines = [SubscriptionTypeTranslationInline]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["person", "subscription_type", "subscribed", "updated_at"]
    list_filter = ["subscription_type", "subscribed"]
    search_fields = ["person__first_name", "person__last_name"]
    list_select_related = ["person", "subscription_type"]
    readonly_fields = ["person", "subscription_type", "subscribed", "source", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # changes go through subscription_set, which writes the ledger

    def has_change_permission(self, request: HttpRequest, obj: Subscription | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Subscription | None = None) -> bool:
        return False


@admin.register(OrganisationSettings)
class OrganisationSettingsAdmin(ActiveChoicesMixin, admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return not OrganisationSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: OrganisationSettings | None = None) -> bool:
        return False
