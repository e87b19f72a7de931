from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from contacts.models import Company, EmailAddress, Person


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
