from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerCentreConfig(AppConfig):
    name = "privacy_confirm.customer_centre"
    label = "customer_centre"
    verbose_name = _("Customer centre")

    def ready(self) -> None:
        from privacy_confirm.customer_centre import person_page  # noqa: F401
