from privacy_confirm.confirmations.urls_overview import urlpatterns as overview_urlpatterns
from privacy_confirm.confirmations.urls_send import urlpatterns as send_urlpatterns

app_name = "confirmations"
urlpatterns = overview_urlpatterns + send_urlpatterns
