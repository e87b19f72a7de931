"""Celery tasks of the customer centre."""

from __future__ import annotations

from celery import shared_task

from privacy_confirm.customer_centre import services


@shared_task(name="customer_centre.link_renewal_send")
def link_renewal_send(address: str) -> None:
    services.link_renewal_request(address=address)
