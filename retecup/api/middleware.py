"""Per request: an id on every log line and in the response, and a timing.

Plain ASGI rather than Starlette's BaseHTTPMiddleware, which costs a task and
a stream per request on the hot paths.
"""

import time
import uuid

import structlog
from prometheus_client import Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Per route template (not per URL, which would carry ids) and status. With
# several server processes each keeps its own counters.
REQUESTS = Histogram(
    "retecup_http_request_seconds", "HTTP requests by route and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = uuid.uuid4().hex[:16]
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            route = getattr(scope.get("route"), "path", "other")
            REQUESTS.labels(scope["method"], route, str(status[0])).observe(
                time.perf_counter() - started)
