"""Signed job callbacks (`x-mock-webhook`): when a job that was given a callback URL ends, its record is POSTed there
with an HMAC-SHA256 signature of the raw body, retried on 5xx or 429 after the declared delays (mock clock)."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import httpx

from contract import JobDecl, WebhookDecl

from .state import Delivery, MockState
from .store import Stored


def pending_callback(url: str | None) -> dict[str, object] | None:
    """A callback's delivery state before its first attempt (null when the call gave no callback URL)."""
    return {"url": url, "delivered_at": None, "attempts": 0, "last_status": None} if url else None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Webhooks:
    """Sends the deliveries of the state; what a job's end enqueues depends on its operation's declaration."""

    def __init__(self, state: MockState, declared: dict[str, WebhookDecl],
                 transport: httpx.AsyncBaseTransport | None = None):
        self.state = state
        self.declared = declared  # operationId -> its x-mock-webhook
        self.transport = transport

    def now(self) -> float:
        return self.state.clock.now()

    def job_ended(self, stored: Stored, job: JobDecl, failed: bool) -> None:
        """A job completion subscriber (jobs.py): a job of an operation that declares a webhook calls back."""
        decl = self.declared.get((stored.job or {}).get("op", ""))
        if decl is not None:
            self.enqueue(decl, stored)

    def enqueue(self, decl: WebhookDecl, stored: Stored) -> None:
        url = (stored.job or {}).get("webhook")
        if not url:
            return
        body = json.dumps(stored.fields, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json",
                   decl.signature_header: sign(str(stored.view().get(decl.secret_field, "")), body)}
        if decl.id_header:
            headers[decl.id_header] = str(uuid.uuid4())
        shown = (stored, decl.state_field) if decl.state_field else None
        self.state.webhooks.append(Delivery(url, body, headers, decl.retry_seconds, self.now(), shown=shown))

    def pending(self) -> list[Delivery]:
        now = self.now()
        return [d for d in self.state.webhooks if not d.done and d.due <= now]

    async def deliver_due(self) -> None:
        due = self.pending()
        if not due:
            return
        async with httpx.AsyncClient(timeout=5.0, transport=self.transport) as client:
            for delivery in due:
                await self._attempt(client, delivery)

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=delivery.headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            status = 0
            delivery.attempts.append({"at": self.now(), "error": type(exc).__name__})
        else:
            delivery.attempts.append({"at": self.now(), "status": status})
        if delivery.shown is not None:
            record, name = delivery.shown
            delivered = self.state.clock.now_iso() if 200 <= status < 300 else None
            record.fields[name] = {"url": delivery.url, "attempts": len(delivery.attempts),
                                   "last_status": status or None, "delivered_at": delivered}
        retryable = status == 0 or status == 429 or status >= 500
        retries_used = len(delivery.attempts) - 1
        if retryable and retries_used < len(delivery.retry_seconds):
            delivery.due = self.now() + delivery.retry_seconds[retries_used]
        else:
            delivery.done = True

    def summary(self) -> list[dict[str, object]]:
        return [{"url": d.url, "headers": d.headers, "attempts": d.attempts, "done": d.done, "due": d.due}
                for d in self.state.webhooks]
