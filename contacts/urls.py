from django.urls import path

from contacts import views

app_name = "contacts"
urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_create, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/activities/<int:activity_pk>/", views.activity_detail, name="activity_detail"),
    path("persons/<int:pk>/consents/<int:purpose_pk>/edit/", views.consent_edit, name="consent_edit"),
    path("persons/<int:pk>/consents/emarketing/", views.emarketing_switch, name="emarketing_switch"),
    path("persons/<int:pk>/consents/history/", views.consent_history, name="consent_history"),
    path("consents/bulk/", views.consents_bulk, name="consents_bulk"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/new/", views.company_create, name="company_create"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company_edit"),
]
