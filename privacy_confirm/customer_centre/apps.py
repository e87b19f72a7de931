from django.apps import AppConfig


class CustomerCentreConfig(AppConfig):
    name = "privacy_confirm.customer_centre"
    label = "customer_centre"
