from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from privacy_confirm.views import LoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contacts:person_list", permanent=False)),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("crm/", include("contacts.urls")),
    path("confirmations/", include("privacy_confirm.confirmations.urls")),
    path("privacy/", include("privacy_confirm.customer_centre.urls")),
    path("forms/", include("privacy_confirm.webforms.urls")),
]
