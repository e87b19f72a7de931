from django.conf import settings
from django.http import HttpRequest


def ui(request: HttpRequest) -> dict[str, object]:
    return {"UI_LANGUAGES": settings.UI_LANGUAGES}
