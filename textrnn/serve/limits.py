"""Bounds on what one request may ask: body size (413), texts per request and characters per
text (422). Each error says the limit and how to stay within it (or how the operator raises it)."""

from __future__ import annotations

import json

from textrnn.errors import InputError


def check_texts(texts: list[str], settings) -> list[str]:
    if len(texts) > settings.max_texts:
        raise InputError(f"texts: {len(texts):,} texts; this server takes at most {settings.max_texts:,} per request",
                         hint="send them in several requests (or start the server with a larger --max-texts)")
    for i, t in enumerate(texts):
        if len(t) > settings.max_chars:
            where = "text" if len(texts) == 1 else f"texts[{i}]"
            raise InputError(f"{where}: {len(t):,} characters; this server takes at most {settings.max_chars:,} per text",
                             hint="split the text (or start the server with a larger --max-chars)")
    return texts


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` is answered 413 before the app sees it —
    at once by its Content-Length, or as soon as a body without one streams past the limit. A body
    within the limit is read whole here (at most `max_bytes`) and handed on."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(send)
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":       # the client went away
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_bytes:
                return await self._refuse(send)
            if not message.get("more_body", False):
                break
        body, given = b"".join(chunks), False

        async def replay():
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()                      # after the body: wait for a disconnect
        await self.app(scope, replay, send)

    async def _refuse(self, send):
        body = json.dumps({"error": f"the request body is larger than {self.max_bytes:,} bytes",
                           "hint": "send fewer texts per request (or start the server with a larger --max-body)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
