"""The ceiling for `/healthz`: a raw ASGI callable that answers every request with the same status,
body and headers as Fairlx's `/healthz` (uvicorn adds `date` and `server` to both), doing only the
work those bytes need. Served with `uvicorn bench.bare_healthz:app`."""

from __future__ import annotations

import uuid

from starlette.types import Receive, Scope, Send

BODY = b'{"status":"ok"}'
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-length", str(len(BODY)).encode()),
    (b"content-type", b"application/json"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
        b"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    request_id = uuid.uuid4().hex.encode()  # Fairlx gives every response a fresh request id
    await send({"type": "http.response.start", "status": 200, "headers": [*HEADERS, (b"x-request-id", request_id)]})
    await send({"type": "http.response.body", "body": BODY})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
