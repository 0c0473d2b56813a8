"""A small HTTP proxy to rehearse a conformance gate against the conditions of a real deployment: latency added
to every request in front of the server (not inside a handler), a server-side rate limit that answers 429 with
`Retry-After`, and a server that goes away after a number of requests. `make bench` measures the suite behind
it; the tests prove the suite's rate limit and Retry-After handling and its partial reports with it.

    python -m conformance.proxy --upstream http://127.0.0.1:4010 --port 4020 --latency-ms 100 [--limit 20/s]
"""
from __future__ import annotations

import argparse
import asyncio
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn

from .target import parse_rate

DYING_SECONDS = 0.3  # longer than uvicorn's 0.1 s main-loop tick
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
              "proxy-authenticate", "host", "content-length"}


@dataclass
class Proxy:
    """The ASGI app: forwards every request to `upstream` after `latency` seconds."""
    upstream: str
    latency: float = 0.0
    limit: float | None = None  # requests per second the "server" accepts; beyond, 429 with Retry-After
    die_after: int | None = None  # stop accepting connections after this many requests
    forwarded: list[float] = field(default_factory=list)  # monotonic times of the requests passed on
    refused: int = 0  # 429s answered
    server: uvicorn.Server | None = None
    _window: tuple[int, int] = (0, 0)  # (second, requests in it)

    def _over_limit(self) -> bool:
        if not self.limit:
            return False
        second = int(time.monotonic())
        start, count = self._window
        count = count + 1 if start == second else 1
        self._window = (second, count)
        return count > self.limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.die_after is not None and len(self.forwarded) >= self.die_after:
            # The server goes away: it stops listening (uvicorn notices `should_exit` within a tick), and answers on
            # connections already open are their last (a bare 502, connection closed).
            if self.server is not None:
                self.server.should_exit = True
                await asyncio.sleep(DYING_SECONDS)
            await answer(send, 502, [(b"connection", b"close")], b"")
            return
        if self._over_limit():
            self.refused += 1
            await answer(send, 429, [(b"retry-after", b"1"), (b"content-type", b"application/json")],
                          b'{"error": "rate_limited", "message": "Too many requests."}')
            return
        self.forwarded.append(time.monotonic())
        path = scope["raw_path"].decode() + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.decode().lower() not in HOP_BY_HOP]
        # A client per request: nothing outlives the request on a loop that a dying server closes.
        async with httpx.AsyncClient(timeout=120) as client:
            upstream = await client.request(scope["method"], self.upstream + path, headers=headers, content=body)
        await answer(send, upstream.status_code, [(k.encode(), v.encode()) for k, v in upstream.headers.items()
                                                  if k.lower() not in HOP_BY_HOP], upstream.content)


async def read_body(receive: Any) -> bytes:
    """A request's whole body from its ASGI messages."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def answer(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def running(proxy: Proxy) -> Iterator[str]:
    """Serve `proxy` on a free loopback port in a background thread; yields http://127.0.0.1:PORT."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(proxy, lifespan="off", log_level="critical", access_log=False, timeout_keep_alive=30,
                            loop="asyncio")
    proxy.server = uvicorn.Server(config)
    thread = threading.Thread(target=proxy.server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not proxy.server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the proxy did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        proxy.server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="origin of the server behind (http://127.0.0.1:4010)")
    parser.add_argument("--port", type=int, default=4020)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every request")
    parser.add_argument("--limit", help="server-side rate limit (N/s): beyond it, 429 with Retry-After: 1")
    args = parser.parse_args(argv)
    try:
        limit = parse_rate(args.limit) if args.limit else None
    except ValueError as exc:
        print(f"conformance.proxy: {exc}", file=sys.stderr)
        return 2
    proxy = Proxy(args.upstream.rstrip("/"), args.latency_ms / 1000, limit)
    uvicorn.run(proxy, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off")
    return 0


if __name__ == "__main__":
    sys.exit(main())
