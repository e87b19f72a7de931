"""Admin for email templates (translations inline, validation, preview, a test send and
the merge-field list), the confirmation settings row, the sending rules, which are
edited on the consent source's own admin page, and read-only views of the outbox and the
personal links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from contacts.admin import ConsentSourceAdmin
from contacts.models import ConsentSource, EmailAddress, Person
from privacy_confirm.confirmations import rendering, services
from privacy_confirm.confirmations.models import (
    Confirmation,
    ConfirmationSettings,
    EmailTemplate,
    EmailTemplateTranslation,
    PersonalLink,
    SendingRule,
)

# --- Email templates -----------------------------------------------------------------


class EmailTemplateTranslationForm(forms.ModelForm):
    class Meta:
        model = EmailTemplateTranslation
        fields = ["language", "subject", "body_html", "body_text"]
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vLargeTextField", "size": 80}),
            "body_html": forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false", "class": "monospace"}),
            "body_text": forms.Textarea(attrs={"rows": 10, "cols": 100, "class": "monospace"}),
        }

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"]
        rendering.subject_validate(subject)
        return subject

    def clean_body_html(self) -> str:
        body = self.cleaned_data["body_html"]
        rendering.template_validate(body)
        return body

    def clean_body_text(self) -> str:
        body = self.cleaned_data["body_text"]
        if body.strip():
            rendering.template_validate(body)
        return body


class EmailTemplateTranslationInline(admin.StackedInline):
    model = EmailTemplateTranslation
    form = EmailTemplateTranslationForm
    extra = 0
    min_num = 1  # a template without a translation cannot be rendered

    def get_formset(self, request: HttpRequest, obj: EmailTemplate | None = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return super().get_formset(request, obj, validate_min=True, **kwargs)


class EmailTemplateForm(forms.ModelForm):
    class Meta:
        model = EmailTemplate
        fields = ["name", "key", "description", "is_privacy_template", "is_default", "sender_mode", "default_language"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("is_default") and not cleaned.get("is_privacy_template"):
            self.add_error("is_default", _("Only a privacy template can be the default privacy template."))
        if (
            self.instance.pk
            and not cleaned.get("is_privacy_template")
            and SendingRule.objects.filter(template=self.instance).exists()
        ):
            self.add_error(
                "is_privacy_template",
                _("Consent sources send this template automatically, so it must stay a privacy template."),
            )
        return cleaned


class PreviewForm(forms.Form):
    """Which person and language to preview; both optional (sample person, default language)."""

    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, template: EmailTemplate, admin_site: admin.AdminSite, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any foreign key to Person will do for the admin's autocomplete view: it searches
        # with PersonAdmin's search_fields and checks the user's view permission.
        self.fields["person"] = forms.ModelChoiceField(
            label=_("Person"),
            queryset=Person.objects.all(),
            required=False,
            widget=AutocompleteSelect(EmailAddress._meta.get_field("person"), admin_site),
            help_text=_("Leave empty to preview with a sample person. A person's ID works in the address too."),
        )
        self.order_fields(["person", "language"])
        self.fields["language"].choices = [(code, code) for code in rendering.template_languages(template=template)]


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    inlines = [EmailTemplateTranslationInline]
    list_display = ["name", "key", "is_privacy_template", "is_default", "default_language", "languages"]
    list_filter = ["is_privacy_template", "sender_mode"]
    search_fields = ["name", "key", "description"]
    prepopulated_fields = {"key": ["name"]}
    change_form_template = "confirmations/admin/emailtemplate_change_form.html"
    change_list_template = "confirmations/admin/emailtemplate_change_list.html"

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description=_("languages"))
    def languages(self, obj: EmailTemplate) -> str:
        return ", ".join(rendering.template_languages(template=obj))

    def save_model(self, request: HttpRequest, obj: EmailTemplate, form, change: bool) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if obj.is_default:
            # One template is preselected in the send dialog: the last one marked wins.
            EmailTemplate.objects.filter(is_default=True).exclude(pk=obj.pk).update(is_default=False)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("merge-fields/", wrap(self.merge_fields_view), name="confirmations_emailtemplate_merge_fields"),
            path("<int:pk>/preview/", wrap(self.preview_view), name="confirmations_emailtemplate_preview"),
            path("<int:pk>/send-test/", wrap(self.send_test_view), name="confirmations_emailtemplate_send_test"),
            *super().get_urls(),
        ]

    def _template_or_403(self, request: HttpRequest, pk: int) -> EmailTemplate:
        template = get_object_or_404(EmailTemplate.objects.prefetch_related("translations"), pk=pk)
        if not self.has_view_permission(request, template):
            raise PermissionDenied
        return template

    def _preview_choice(
        self, request: HttpRequest, request_data: Any, template: EmailTemplate
    ) -> tuple[PreviewForm, Person, str]:
        form = PreviewForm(request_data or None, template=template, admin_site=self.admin_site)
        if not request.user.has_perm("contacts.view_person"):
            # Editing templates is not seeing persons: without that right only the sample
            # person is offered (an id typed into the address would otherwise show anyone).
            form.fields["person"].queryset = Person.objects.none()
        person = rendering.sample_person()
        languages = rendering.template_languages(template=template)
        language = template.default_language if template.default_language in languages else languages[0]
        if form.is_valid():
            person = form.cleaned_data["person"] or person
            language = form.cleaned_data["language"] or language
        return form, person, language

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The template rendered for a chosen or the sample person, with a dummy link: the
        subject, the HTML in a sandboxed iframe (no scripts, no same-origin access) and the
        text part. GET only reads."""
        template = self._template_or_403(request, pk)
        if not template.translations.all():
            messages.error(request, _("Add a translation before previewing."))
            return redirect("admin:confirmations_emailtemplate_change", template.pk)
        form, person, language = self._preview_choice(request, request.GET, template)
        email, error = None, ""
        url, expires_at = rendering.dummy_link()
        try:
            email = rendering.email_render(
                template=template, person=person, language=language, link_url=url, link_expires_at=expires_at
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": template,
            "title": _("Preview: %(name)s") % {"name": template.name},
            "form": form,
            "media": self.media + form.media,
            "email": email,
            "error": error,
            "language": language,
            "languages": rendering.template_languages(template=template),
            "person": person,
            "is_sample": person.pk is None,
            "can_send_test": self.has_change_permission(request, template),
            "user_email": request.user.email,  # type: ignore[union-attr]
        }
        return TemplateResponse(request, "confirmations/admin/emailtemplate_preview.html", context)

    def send_test_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Send the preview to the logged-in user's own address (POST: it sends an email)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        template = self._template_or_403(request, pk)
        if not self.has_change_permission(request, template):
            raise PermissionDenied
        _form, person, language = self._preview_choice(request, request.POST, template)
        preview_url = reverse("admin:confirmations_emailtemplate_preview", args=[template.pk])
        query = f"?language={language}" + (f"&person={person.pk}" if person.pk else "")
        recipient = request.user.email  # type: ignore[union-attr]
        if not recipient:
            messages.error(request, _("Your user has no email address; add one to receive a test."))
            return HttpResponseRedirect(preview_url + query)
        try:
            rendering.template_test_send(template=template, person=person, language=language, to=recipient)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("A test email was sent to %(address)s.") % {"address": recipient})
        return HttpResponseRedirect(preview_url + query)

    def merge_fields_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        language = (get_language() or "en").split("-")[0]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Merge fields"),
            "fields": rendering.merge_field_examples(language=language),
        }
        return TemplateResponse(request, "confirmations/admin/merge_fields.html", context)


# --- Confirmation settings (one row) -------------------------------------------------


@admin.register(ConfirmationSettings)
class ConfirmationSettingsAdmin(admin.ModelAdmin):
    fields = ["automatic_sending", "sender_name", "sender_address", "link_validity_days", "per_address_hourly_limit"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ConfirmationSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ConfirmationSettings | None = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        row = ConfirmationSettings.objects.order_by("pk").first()
        if row is not None:  # a list of one row is a detour: open the row
            return redirect("admin:confirmations_confirmationsettings_change", row.pk)
        return super().changelist_view(request, extra_context)


# --- Sending rules, on the consent source's page --------------------------------------


class SendingRuleInline(admin.StackedInline):
    model = SendingRule
    fk_name = "source"
    extra = 0
    max_num = 1
    verbose_name = _("Automatically send the privacy confirmation email")
    verbose_name_plural = _("Automatically send the privacy confirmation email")
    fields = ["template"]


admin.site.unregister(ConsentSource)


@admin.register(ConsentSource)
class ConsentSourceWithSendingRuleAdmin(ConsentSourceAdmin):
    inlines = [*ConsentSourceAdmin.inlines, SendingRuleInline]
    list_display = [*ConsentSourceAdmin.list_display, "automatic_email"]
    list_select_related = ["sending_rule__template"]

    @admin.display(description=_("automatic email"))
    def automatic_email(self, obj: ConsentSource) -> str:
        try:
            return obj.sending_rule.template.name  # type: ignore[attr-defined]
        except SendingRule.DoesNotExist:
            return "—"


# --- The outbox and the personal links (read-only: they change through services) ------


@admin.register(Confirmation)
class ConfirmationAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "person",
        "kind",
        "recipient",
        "template",
        "language",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "template", "created_at"]
    search_fields = ["recipient", "person__first_name", "person__last_name", "message_id", "esp_message_id"]
    list_select_related = ["person", "template"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    # A raw idempotency key is harmless, but nothing here is meant to be edited by hand.
    readonly_fields = [field.name for field in Confirmation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Confirmation | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Confirmation | None = None) -> bool:
        return False

    @admin.action(description=_("Retry the failed ones"), permissions=["send"])
    def retry_failed(self, request: HttpRequest, queryset: Any) -> None:
        retried = 0
        for confirmation in queryset.filter(status=Confirmation.Status.FAILED):
            services.confirmation_retry(confirmation=confirmation, requested_by=request.user)
            retried += 1
        self.message_user(request, _("%(count)d confirmations queued again.") % {"count": retried}, messages.SUCCESS)

    def has_send_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("confirmations.send_confirmation")


@admin.register(PersonalLink)
class PersonalLinkAdmin(admin.ModelAdmin):
    """Only the token's SHA-256 is stored, so nothing here can open a person's page."""

    list_display = ["person", "created_at", "expires_at", "revoked_at", "confirmation"]
    list_filter = ["created_at", "expires_at", "revoked_at"]
    search_fields = ["person__first_name", "person__last_name", "person__email_addresses__address"]
    list_select_related = ["person", "confirmation"]
    readonly_fields = ["person", "confirmation", "created_at", "expires_at", "revoked_at"]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PersonalLink | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PersonalLink | None = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected links"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("%(count)d links revoked.") % {"count": revoked}, messages.SUCCESS)

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("contacts.change_person")
