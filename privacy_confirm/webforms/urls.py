from django.urls import path

from privacy_confirm.webforms import views

app_name = "webforms"
urlpatterns = [
    path("<slug:slug>/", views.webform_page, name="form"),
    path("<slug:slug>/thanks/", views.webform_thanks, name="thanks"),
]
