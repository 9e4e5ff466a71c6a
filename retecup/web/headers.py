"""Security headers on every page: no framing, no foreign scripts, no caching.

Pages carry personal data, so the browser keeps no copy of them (the back
button after signing out shows nothing). The policy allows only this site's
own files; Bootstrap Italia's stylesheet draws some icons as data: URLs, and
htmx adds one small style element for its indicators.
"""

from fastapi import FastAPI, Request

POLICY = ("default-src 'self'; img-src 'self' data:; font-src 'self' data:; "
          "style-src 'self' "
          "'unsafe-inline'; script-src 'self'; object-src 'none'; "
          "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def install(app: FastAPI, is_page) -> None:
    @app.middleware("http")
    async def page_headers(request: Request, call_next):
        response = await call_next(request)
        if is_page(request):
            response.headers.update(HEADERS)
            response.headers.setdefault("Cache-Control", "no-store")
        return response
