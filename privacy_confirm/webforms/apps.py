from django.apps import AppConfig


class WebformsConfig(AppConfig):
    name = "privacy_confirm.webforms"
    label = "webforms"
