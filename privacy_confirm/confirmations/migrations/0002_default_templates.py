"""Placeholder for the shipped templates, filled in by the templates work (issue 5)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("confirmations", "0001_initial"), ("contacts", "0002_default_gdpr_data")]
    operations: list = []
