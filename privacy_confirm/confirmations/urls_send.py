from django.urls import URLPattern, path

from privacy_confirm.confirmations import views_send

urlpatterns: list[URLPattern] = [
    path("persons/<int:pk>/send/", views_send.send_confirmation, name="send_confirmation"),
    path("persons/<int:pk>/send/preview/", views_send.send_preview, name="send_preview"),
    path("persons/<int:pk>/send/address/", views_send.send_address_add, name="send_address_add"),
]
