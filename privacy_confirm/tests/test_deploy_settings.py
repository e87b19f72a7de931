"""Production settings: `check --deploy` is clean, and a missing SECRET_KEY stops the start."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="off",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.org",
        SITE_URL="https://crm.example.org",
        DJANGO_SETTINGS_MODULE="privacy_confirm.settings",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_secret_key_and_debug_off_the_app_refuses_to_start():
    result = _manage("check", DEBUG="off", SECRET_KEY="", DJANGO_SETTINGS_MODULE="privacy_confirm.settings")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
