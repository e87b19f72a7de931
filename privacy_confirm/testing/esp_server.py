"""A scripted email service provider on 127.0.0.1 that speaks Postmark's send API.

The real Anymail Postmark backend posts to it (`POSTMARK_API_URL`), so tests exercise the
whole send path: serialization, HTTP, status codes and Anymail's error handling. Tests
script answers (`esp.script(503, 200)`) and assert on what it received (`esp.messages`)."""

from __future__ import annotations

import json
import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class ScriptedAnswer:
    status: int
    body: dict[str, Any] | None = None


@dataclass
class ReceivedMessage:
    path: str
    headers: dict[str, str]
    payload: dict[str, Any]
    status: int

    @property
    def to(self) -> str:
        return self.payload.get("To", "")

    @property
    def subject(self) -> str:
        return self.payload.get("Subject", "")

    @property
    def html(self) -> str:
        return self.payload.get("HtmlBody", "")

    @property
    def text(self) -> str:
        return self.payload.get("TextBody", "")

    def header(self, name: str) -> str | None:
        for item in self.payload.get("Headers", []):
            if item.get("Name", "").lower() == name.lower():
                return item.get("Value")
        return None


@dataclass
class ScriptedESP:
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[ReceivedMessage] = field(default_factory=list)
    _answers: deque[ScriptedAnswer] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def messages(self) -> list[ReceivedMessage]:
        """Messages the provider accepted (answered 200)."""
        with self._lock:
            return [r for r in self.requests if r.status == 200]

    def script(self, *answers: int | ScriptedAnswer) -> None:
        """Queue answers for the next requests; once used up, every request gets 200."""
        with self._lock:
            for answer in answers:
                self._answers.append(answer if isinstance(answer, ScriptedAnswer) else ScriptedAnswer(answer))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._answers.clear()

    def _answer(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            answer = self._answers.popleft() if self._answers else ScriptedAnswer(200)
        if answer.body is not None:
            return answer.status, answer.body
        if answer.status == 200:
            return 200, {
                "ErrorCode": 0,
                "Message": "OK",
                "MessageID": str(uuid.uuid4()),
                "SubmittedAt": "2026-12-04T12:00:00Z",
                "To": payload.get("To", ""),
            }
        if answer.status == 422:
            return 422, {"ErrorCode": 300, "Message": f"Invalid 'To' address: '{payload.get('To', '')}'."}
        return answer.status, {"ErrorCode": 500, "Message": "Service unavailable, try again later."}

    def start(self) -> ScriptedESP:
        esp = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length) or b"{}")
                status, body = esp._answer(payload)
                with esp._lock:
                    esp.requests.append(ReceivedMessage(self.path, dict(self.headers), payload, status))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
