from django.urls import URLPattern, path

from privacy_confirm.confirmations import views_overview

urlpatterns: list[URLPattern] = [
    path("overview/", views_overview.overview, name="overview"),
    path("<int:pk>/retry/", views_overview.confirmation_retry, name="confirmation_retry"),
]
