"""The staff login page is public, so it is limited against password guessing."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from contacts.tests.factories import StaffUserFactory
from privacy_confirm.views import LOGIN_ATTEMPTS_PER_IP, LOGIN_ATTEMPTS_PER_USERNAME

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()


def attempt(client, username, password="wrong", ip="198.51.100.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_right_password_logs_in(client):
    StaffUserFactory(username="kari", password="correct-horse-battery")
    response = attempt(client, "kari", "correct-horse-battery")
    assert response.status_code == 302
    assert response.url == reverse("contacts:person_list")


def test_too_many_attempts_for_one_username_are_refused_even_with_the_right_password(client):
    StaffUserFactory(username="kari", password="correct-horse-battery")
    for n in range(LOGIN_ATTEMPTS_PER_USERNAME):
        assert attempt(client, "kari", ip=f"198.51.100.{n}").status_code == 200
    response = attempt(client, "kari", "correct-horse-battery", ip="198.51.100.200")
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_too_many_attempts_from_one_address_are_refused(client):
    for n in range(LOGIN_ATTEMPTS_PER_IP):
        assert attempt(client, f"guess{n}").status_code == 200
    assert attempt(client, "someone-else").status_code == 429
    assert attempt(client, "someone-else", ip="198.51.100.99").status_code == 200


def test_login_page_itself_is_not_limited(client):
    for _ in range(LOGIN_ATTEMPTS_PER_IP + 5):
        assert client.get(reverse("login")).status_code == 200
