import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "privacy_confirm.settings")

app = Celery("privacy_confirm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="privacy_confirm.health_check")
def health_check() -> dict[str, int]:
    """Proves a worker reaches the database: answers how many persons it can see."""
    from contacts.models import Person

    return {"persons": Person.objects.count()}
