"""Personal-link tokens never reach the logs."""

import logging

from django.conf import settings

from privacy_confirm.log_filters import RedactPersonalLinks, redact_personal_links

TOKEN = "FISOZ96agvpTFKpLgAGh8iFhOToc-A3wLUmWnRKvxdE"


def test_a_token_in_a_logged_path_is_redacted():
    record = logging.LogRecord(
        "django.security.csrf", logging.WARNING, __file__, 1, "Forbidden (%s): %s",
        ("CSRF cookie not set.", f"/privacy/{TOKEN}/requests/"), None,
    )  # fmt: skip
    assert RedactPersonalLinks().filter(record)
    assert record.getMessage() == "Forbidden (CSRF cookie not set.): /privacy/[token]/requests/"


def test_other_paths_are_left_alone():
    assert redact_personal_links("GET /crm/persons/12/ HTTP/1.1") == "GET /crm/persons/12/ HTTP/1.1"
    assert redact_personal_links(f"GET /privacy/{TOKEN}/ HTTP/1.1") == "GET /privacy/[token]/ HTTP/1.1"


def test_every_configured_handler_redacts():
    for name, handler in settings.LOGGING["handlers"].items():
        assert "redact_personal_links" in handler.get("filters", []), name
