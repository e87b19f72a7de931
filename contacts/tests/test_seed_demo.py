import pytest
from django.core.management import CommandError, call_command

from contacts.models import Person


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_keeps_norwegian_letters(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    count = Person.objects.count()
    call_command("seed_demo")
    assert Person.objects.count() == count >= 5
    assert Person.objects.filter(first_name="Åse", last_name="Bjørnstad").exists()


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
