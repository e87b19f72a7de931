from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms import inlineformset_factory
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contacts import services
from contacts.models import Company, ConsentSource, EmailAddress, LegalBasis, Person, Purpose
from contacts.selectors import active_legal_bases, active_purposes, active_sources


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ["first_name", "last_name", "title", "company", "phone", "language"]
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }


class EmailAddressForm(forms.ModelForm):
    class Meta:
        model = EmailAddress
        fields = ["address", "description"]
        widgets = {"address": forms.EmailInput(attrs={"placeholder": _("name@example.com")})}


EmailAddressFormSet = inlineformset_factory(
    Person,
    EmailAddress,
    form=EmailAddressForm,
    extra=1,
    can_delete=True,
    max_num=20,
    validate_max=True,
)


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "org_number", "country", "website"]


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


def _choices(items: Iterable[LegalBasis | ConsentSource | Purpose]) -> list[tuple[str | int, str]]:
    return [("", "---------")] + [(item.pk, _display(item)) for item in items]


def _display(item: LegalBasis | ConsentSource | Purpose) -> str:
    return item.translated("name") if isinstance(item, Purpose) else item.display_name()


class _LookupChoiceField(forms.TypedChoiceField):
    """A choice among rows loaded once by the form (ModelChoiceField would query again for
    every rendering, and the person page renders one form per purpose)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, coerce=int, **kwargs)
        self.objects: dict[int, Any] = {}

    def set_objects(self, items: Iterable[Any]) -> None:
        items = list(items)
        self.objects = {item.pk: item for item in items}
        self.choices = _choices(items)

    def clean(self, value: Any) -> Any:
        pk = super().clean(value)
        return self.objects.get(pk) if pk not in (None, "") else None


class ConsentEditForm(forms.Form):
    """The "Edit legal basis" form: one purpose of one person."""

    legal_basis = _LookupChoiceField(label=_("Legal basis"))
    source = _LookupChoiceField(label=_("Source"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the change was made."),
    )

    def __init__(
        self,
        *args: Any,
        legal_bases: list[LegalBasis] | None = None,
        sources: list[ConsentSource] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_basis"].set_objects(legal_bases if legal_bases is not None else active_legal_bases())
        self.fields["source"].set_objects(sources if sources is not None else active_sources())


class EmarketingSwitchForm(forms.Form):
    enabled = forms.TypedChoiceField(choices=[("1", _("On")), ("0", _("Off"))], coerce=lambda value: value == "1")


class ConsentBulkUpdateForm(ConsentEditForm):
    """One purpose, the basis to give it, and why: the admin action's intermediate form."""

    purpose = _LookupChoiceField(label=_("Purpose"))
    field_order = ["purpose", "legal_basis", "source", "comment"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["purpose"].set_objects(active_purposes())

    def apply(self, *, persons: QuerySet[Person], actor_user: Any) -> str:
        """Run the bulk update on `persons` and say what changed, for the admin and the staff page."""
        data = self.cleaned_data
        result = services.consents_bulk_update(
            persons=persons,
            purpose=data["purpose"],
            legal_basis=data["legal_basis"],
            source=data["source"],
            comment=data["comment"],
            actor_user=actor_user,
        )
        message = gettext(
            "%(purpose)s set to %(basis)s. Changed: %(changed)d. Unchanged (already had it): %(unchanged)d."
        )
        return message % {
            "purpose": data["purpose"].translated("name"),
            "basis": data["legal_basis"].display_name(),
            "changed": result.changed,
            "unchanged": result.unchanged,
        }


class ConsentBulkPageForm(ConsentBulkUpdateForm):
    """The staff page: the same fields plus which persons (ticked ones, or every match)."""

    SELECTED = "selected"
    ALL = "all"

    q = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[(SELECTED, _("The persons I ticked")), (ALL, _("Every person matching the search"))],
        initial=SELECTED,
        widget=forms.RadioSelect,
    )
    persons = forms.ModelMultipleChoiceField(queryset=Person.objects.all(), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("scope") == self.SELECTED and not cleaned.get("persons"):
            raise forms.ValidationError(_("Tick at least one person, or choose every person matching the search."))
        return cleaned
