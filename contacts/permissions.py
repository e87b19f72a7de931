"""The "Staff" group: the usual set of rights for people who work in the CRM."""

from __future__ import annotations

from typing import Any

STAFF_GROUP = "Staff"
STAFF_PERMISSIONS = [
    "contacts.view_person",
    "contacts.add_person",
    "contacts.change_person",
    "contacts.view_company",
    "contacts.add_company",
    "contacts.change_company",
    "contacts.view_emailaddress",
    "contacts.add_emailaddress",
    "contacts.view_activity",
    "contacts.view_consent",
    "contacts.change_consent",
    "contacts.view_consentevent",
    "contacts.view_subscription",
    "confirmations.send_confirmation",
    "confirmations.view_confirmation",
    "webforms.view_webform",
]


def staff_group_ensure(**kwargs: Any) -> None:
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    wanted = []
    for dotted in STAFF_PERMISSIONS:
        app_label, codename = dotted.split(".")
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            wanted.append(permission)
    group.permissions.add(*wanted)
