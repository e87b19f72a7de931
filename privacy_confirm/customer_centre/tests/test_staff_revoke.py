"""Staff see how many live personal links a person has, and can revoke them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from contacts.models import Activity
from contacts.tests.factories import UserFactory
from privacy_confirm.customer_centre.tests.conftest import centre_for

pytestmark = pytest.mark.django_db


def _person_page(client, person) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/crm/persons/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_person_page_counts_live_links_only(staff_client, centre):
    centre_for(centre.person)
    expired = centre_for(centre.person)
    expired.link.expires_at = timezone.now() - timedelta(minutes=1)
    expired.link.save()

    page = _person_page(staff_client, centre.person)

    assert 'id="personal-links"' in page
    assert "2 aktive lenker til kundesenteret." in page


def test_revoking_stops_every_link_and_notes_it_on_the_person(staff_client, staff_user, centre):
    second = centre_for(centre.person)

    response = staff_client.post(f"/privacy/staff/persons/{centre.person.pk}/revoke-links/", follow=True)

    assert response.redirect_chain[-1][0].startswith(f"/crm/persons/{centre.person.pk}/")
    assert "2 personlige lenker trukket tilbake." in response.content.decode()
    assert "0 aktive lenker til kundesenteret." in response.content.decode()
    for link in (centre, second):
        assert staff_client.get(link.url).status_code == 404
    note = centre.person.activities.get(kind=Activity.Kind.NOTE)
    assert note.created_by == staff_user


def test_revoking_needs_the_change_person_permission(client, centre):
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_person"))
    client.force_login(viewer)

    page = _person_page(client, centre.person)
    assert "1 aktiv lenke til kundesenteret." in page
    assert "revoke-links" not in page
    assert client.post(f"/privacy/staff/persons/{centre.person.pk}/revoke-links/").status_code == 403
    assert client.get(centre.url).status_code == 200


def test_revoking_is_a_post_for_logged_in_staff(staff_client, centre):
    url = f"/privacy/staff/persons/{centre.person.pk}/revoke-links/"
    assert staff_client.get(url).status_code == 405
    anonymous = Client()
    assert anonymous.post(url).status_code == 302  # to the login page
    assert anonymous.get(centre.url).status_code == 200
