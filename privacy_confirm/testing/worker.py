"""Real Celery worker processes for integration tests.

A worker is a separate process: it sees only committed rows, talks to the real Redis, and
sends email through the real Anymail backend configured by its environment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from privacy_confirm.celery import app as celery_app

BASE_DIR = Path(settings.BASE_DIR)


def test_database_url() -> str:
    """The URL of the test database the test process is using (a worker must use it too)."""
    db = connection.settings_dict
    if "sqlite" in db["ENGINE"]:
        raise RuntimeError("Worker processes need PostgreSQL: SQLite's test database lives in memory.")
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(
        self, *, env: dict[str, str], concurrency: int = 2, queues: str = "celery", beat: bool = False
    ) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@127.0.0.1"
        self.log_path = BASE_DIR / "var" / "test-logs" / f"{self.name.split('@')[0]}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "celery", "-A", "privacy_confirm", "worker",
            "--pool=prefork", f"--concurrency={concurrency}", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-Q", queues, "-n", self.name,
        ]  # fmt: skip
        if beat:
            command.append("--beat")
        self._command = command
        self._env = {**os.environ, "DJANGO_SETTINGS_MODULE": "privacy_confirm.test_settings", **env}
        self.start()

    def start(self) -> None:
        """Start (or start again, after stop()) the worker process and wait until it answers."""
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            self._command, env=self._env, stdout=self._log, stderr=subprocess.STDOUT, cwd=BASE_DIR,
            start_new_session=True,
        )  # fmt: skip
        self._wait_ready()

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early; see {self.log_path}:\n{self.log()}")
            replies = celery_app.control.ping(destination=[self.name], timeout=0.5)
            if replies:
                return
        raise RuntimeError(f"Celery worker did not answer within {timeout}s; see {self.log_path}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or OOM kill would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()
