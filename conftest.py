"""Test harness shared by every app: services, worker processes, the scripted ESP and the
browser. Unit tests run on SQLite or PostgreSQL with eager tasks; tests marked
`integration` or `browser` need PostgreSQL, Redis and (for browser) Chromium, which
`make test` starts."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# where a loop is running unless told it is safe (it is: the loop is Playwright's own).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _missing_services(needs_browser: bool) -> list[str]:
    from django.conf import settings

    missing = []
    if "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        missing.append("PostgreSQL (DATABASE_URL)")
    if not settings.CELERY_BROKER_URL:
        missing.append("Redis (REDIS_URL)")
    if needs_browser and not shutil.which(CHROMIUM):
        missing.append(f"Chromium ({CHROMIUM})")
    return missing


def _require_services(*, needs_browser: bool) -> None:
    """Skip a test whose services are missing; in `make test` (REQUIRE_SERVICES) fail it."""
    missing = _missing_services(needs_browser=needs_browser)
    if missing:
        message = "needs " + ", ".join(missing) + " (run `make test`)"
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def _task_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests run tasks eagerly in-process; integration and browser tests use the broker."""
    from privacy_confirm.celery import app as celery_app

    real = request.node.get_closest_marker("integration") or request.node.get_closest_marker("browser")
    if real:
        _require_services(needs_browser=bool(request.node.get_closest_marker("browser")))
        # Set the database up through this fixture, so that its flush waits for the
        # worker drain below: a worker still writing while the tables are truncated deadlocks.
        request.getfixturevalue("_django_db_helper")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = not real
    yield
    celery_app.conf.task_always_eager = previous
    if real and {"celery_worker_process", "start_worker"} & set(request.fixturenames):
        _drain_workers(celery_app)


def _drain_workers(celery_app, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """After a test: drop what is still queued and wait until no worker runs a task."""
    import time

    celery_app.control.purge()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        active = celery_app.control.inspect(timeout=0.5).active() or {}
        if not any(active.values()):
            return
        time.sleep(0.2)


@pytest.fixture(scope="session")
def esp_server() -> Iterator:
    from privacy_confirm.testing.esp_server import ScriptedESP

    server = ScriptedESP().start()
    yield server
    server.stop()


@pytest.fixture
def esp(esp_server, settings):  # type: ignore[no-untyped-def]
    """The scripted ESP, emptied, and this process's email going to it through Anymail."""
    esp_server.reset()
    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "test-token", "POSTMARK_API_URL": esp_server.api_url}
    yield esp_server
    esp_server.reset()


def worker_env(esp_server) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from privacy_confirm.testing.worker import test_database_url

    return {
        "DATABASE_URL": test_database_url(),
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "ANYMAIL": json.dumps({"POSTMARK_SERVER_TOKEN": "test-token", "POSTMARK_API_URL": esp_server.api_url}),
    }


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, esp_server) -> Iterator:  # type: ignore[no-untyped-def]
    """One real worker process for the session, on the test database and the scripted ESP."""
    from privacy_confirm.celery import app as celery_app
    from privacy_confirm.testing.worker import WorkerProcess

    _require_services(needs_browser=False)
    with django_db_blocker.unblock():
        env = worker_env(esp_server)
    celery_app.control.purge()
    worker = WorkerProcess(env=env)
    _session_workers.append(worker)
    yield worker
    _session_workers.remove(worker)
    worker.stop()


# The session's shared worker, while it runs. Tests that start their own workers (with
# other timings, or to kill them) pause it: a second consumer would take their messages.
_session_workers: list = []


@pytest.fixture
def start_worker(django_db_setup, django_db_blocker, esp_server) -> Iterator:  # type: ignore[no-untyped-def]
    """Start extra worker processes (to kill them, say); all are stopped after the test."""
    from privacy_confirm.testing.worker import WorkerProcess

    _require_services(needs_browser=False)
    started: list[WorkerProcess] = []
    paused = [worker for worker in _session_workers if worker.running]
    for worker in paused:
        worker.stop()

    def start(**kwargs):  # type: ignore[no-untyped-def]
        with django_db_blocker.unblock():
            env = {**worker_env(esp_server), **kwargs.pop("env", {})}
        worker = WorkerProcess(env=env, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    for worker in paused:
        worker.start()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Starting Playwright leaves the test thread in another contextvars context, where
    # Django's connections are new objects without the test database's serialized
    # contents, so serialized_rollback would silently restore nothing: carry them over.
    serialized = {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def staff_user(db):  # type: ignore[no-untyped-def]
    from contacts.tests.factories import StaffUserFactory

    return StaffUserFactory()


@pytest.fixture
def staff_client(client, staff_user):  # type: ignore[no-untyped-def]
    client.force_login(staff_user)
    return client
