"""The Python reference receiver of `cargo xtask bench receivers`.

What a Python user would write instead of our crates: a bare ASGI application (the ASGI
specification's callable, no framework on top) served by uvicorn, which verifies the raw body
with `hmac.new(token, body, hashlib.sha256)` and `hmac.compare_digest`, as Python's `hmac`
documentation recommends for comparing digests.

The receiver contract of the examples (docs/DESIGN.md, "The receiver examples"):

- env QISCUS_WEBHOOK_TOKEN (required), BIND (default 127.0.0.1:3000);
- one line on stdout once listening: `listening on http://ADDR`;
- POST /webhook: verify, then 200 {"bytes": <length>, "sha256": "<hex>"} of the raw body;
  401 {"error": "missing_signature" | "signature_mismatch"}, 413 {"error": "body_too_large"};
- POST /unverified: the same receipt with no verification: a benchmark baseline only.
"""

import hashlib
import hmac
import json
import os
import socket
import sys

import uvicorn

TOKEN = os.environ.get("QISCUS_WEBHOOK_TOKEN", "").encode()
# The same limit as our receivers' default.
BODY_LIMIT = 1024 * 1024
SIGNATURE_HEADER = b"qiscus-sdk-signature"


async def read_body(receive):
    """The whole request body, or None once it exceeds BODY_LIMIT."""
    chunks = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > BODY_LIMIT:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def answer(send, status, value):
    payload = json.dumps(value, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


def refusal(headers, body):
    """None when the signature header is the HMAC-SHA256 of body, else the refusal's code."""
    given = next((value for name, value in headers if name == SIGNATURE_HEADER), None)
    if given is None:
        return "missing_signature"
    expected = hmac.new(TOKEN, body, hashlib.sha256).hexdigest().encode()
    if not hmac.compare_digest(expected, given):
        return "signature_mismatch"
    return None


def receipt(body):
    return {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    path = scope["path"]
    # POST /unverified: benchmark baseline only, NEVER for production (no verification).
    if scope["method"] != "POST" or path not in ("/webhook", "/unverified"):
        await answer(send, 404, {"error": "not_found"})
        return
    body = await read_body(receive)
    if body is None:
        await answer(send, 413, {"error": "body_too_large"})
        return
    if path == "/webhook":
        error = refusal(scope["headers"], body)
        if error is not None:
            await answer(send, 401, {"error": error})
            return
    await answer(send, 200, receipt(body))


def main():
    if not TOKEN:
        print("error: QISCUS_WEBHOOK_TOKEN is not set", file=sys.stderr)
        sys.exit(2)
    bind = os.environ.get("BIND") or "127.0.0.1:3000"
    host, _, port = bind.rpartition(":")
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # Bound here rather than by uvicorn, which does not tell which port `BIND=...:0` got.
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except (OSError, ValueError) as error:
        print(f"error: cannot listen on {bind}: {error}", file=sys.stderr)
        sys.exit(1)
    sock.listen(2048)
    address, bound = sock.getsockname()[:2]
    shown = f"[{address}]" if family == socket.AF_INET6 else address
    # uvicorn picks uvloop and httptools when installed; no access log (one line per request).
    config = uvicorn.Config(app, lifespan="off", access_log=False, log_level="warning")
    print(f"listening on http://{shown}:{bound}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
