from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfirmationsConfig(AppConfig):
    name = "privacy_confirm.confirmations"
    label = "confirmations"
    verbose_name = _("Privacy confirmations")

    def ready(self) -> None:
        from privacy_confirm.confirmations import person_page, receivers  # noqa: F401
