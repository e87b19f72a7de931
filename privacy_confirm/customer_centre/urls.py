from django.urls import path

from privacy_confirm.customer_centre import views

app_name = "customer_centre"
urlpatterns = [
    path("", views.renew, name="renew"),
    path("staff/persons/<int:pk>/revoke-links/", views.person_links_revoke, name="person_links_revoke"),
    path("<str:token>/", views.centre, name="centre"),
    path("<str:token>/consents/<str:purpose_key>/", views.consent_change, name="consent_change"),
    path("<str:token>/subscriptions/", views.subscriptions_change, name="subscriptions_change"),
    path("<str:token>/requests/", views.data_request, name="data_request"),
]
