"""Hooks into the CRM core's domain signals."""
