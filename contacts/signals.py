"""Domain signals of the CRM core. The privacy apps listen; contacts knows none of them."""

from django.dispatch import Signal

# Sent inside the registering transaction, after the person, their addresses and their
# consents exist. Arguments: person (Person), registered_by (User | None).
# Django's post_save cannot serve here: it fires before inline addresses are saved.
person_registered = Signal()
