from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ContactsConfig(AppConfig):
    name = "contacts"
    verbose_name = _("Contacts")

    def ready(self) -> None:
        from contacts.permissions import staff_group_ensure

        # Permissions exist only after migrate has run, so the group is kept up to date here.
        post_migrate.connect(staff_group_ensure, dispatch_uid="contacts.staff_group_ensure")
