"""Security headers on every response, a strict CSP for the docs page, and CORS for configured origins only.

See docs/security.md for what each header is for and why the values are what they are.
"""
from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, request

DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
HSTS = "max-age=63072000; includeSubDomains"  # two years; sent only over HTTPS (browsers ignore it otherwise)
# Every response that is not the docs page is JSON (or a static asset): it may load nothing and sit in no frame.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The console's pages: its own stylesheet, script and icon, forms posting back to itself, no inline code.
CONSOLE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
CORS_HEADERS = "Authorization, Content-Type, X-Request-ID"
CORS_EXPOSED = "Retry-After, X-Request-ID"
CORS_MAX_AGE = "600"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)

_BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def register_security(app: Flask) -> None:
    origins = _allowed_origins(app.config.get("CORS_ORIGINS") or [])
    docs_csp = docs_policy(app)
    app.before_request(lambda: _preflight(origins))

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.update(_BASE_HEADERS)
        is_docs = request.endpoint == DOCS_ENDPOINT
        is_console = request.path.startswith("/console")
        response.headers["Content-Security-Policy"] = docs_csp if is_docs else CONSOLE_CSP if is_console else API_CSP
        if "Authorization" in request.headers or request.path.startswith("/api/v1/") or is_console:
            response.headers["Cache-Control"] = "no-store"
        if _is_https():
            response.headers["Strict-Transport-Security"] = HSTS
        _cors_headers(response, origins)
        return response


def docs_policy(app: Flask) -> str:
    """The docs page's CSP: its own assets only, plus the hash of the page's one inline script.

    flask-smorest's template starts Swagger UI from an inline <script>; rather than allow every
    inline script ('unsafe-inline'), the page is rendered once here and its exact script allowed by hash.
    """
    hashes = " ".join(f"'{h}'" for h in inline_script_hashes(_render_docs(app)))
    return ("default-src 'none'; "
            f"script-src 'self' {hashes}; "
            "style-src 'self'; "
            "img-src 'self' data:; "  # swagger-ui.css draws its icons as data: SVGs
            "connect-src 'self'; font-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'").replace("  ", " ")


def inline_script_hashes(html: str) -> list[str]:
    """CSP source expressions (`sha256-…`) for each inline <script> in `html`, as a browser computes them."""
    return [
        "sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
        for body in _INLINE_SCRIPT.findall(html)
    ]


def _render_docs(app: Flask) -> str:
    view = app.view_functions.get(DOCS_ENDPOINT)
    if view is None:  # docs switched off: nothing inline to allow
        return ""
    with app.test_request_context("/docs"):
        return view()


def _allowed_origins(configured: list[str]) -> frozenset[str]:
    if "*" in configured:
        # A wildcard would let any website read responses with the visitor's token in reach; list origins.
        raise RuntimeError("CORS_ORIGINS must list origins (https://app.example.org), not '*'.")
    return frozenset(origin.strip().rstrip("/") for origin in configured if origin.strip())


def _preflight(origins: frozenset[str]) -> Response | None:
    """Answer a browser's CORS preflight from an allowed origin; others fall through to Flask (no CORS headers)."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if request.headers.get("Origin") not in origins:
        return None
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]
    response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
    response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
    response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    return response


def _cors_headers(response: Response, origins: frozenset[str]) -> None:
    if not origins:
        return
    response.vary.add("Origin")  # a cache must not hand one origin's answer to another
    origin = request.headers.get("Origin")
    if origin in origins:
        # Bearer tokens travel in a header, not cookies: no Allow-Credentials, ever.
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED


def _is_https() -> bool:
    # Behind a TLS-terminating proxy the request arrives as http with X-Forwarded-Proto: https.
    # Trusting the header here is safe: a forged one only adds HSTS to a plain-HTTP answer,
    # which browsers ignore.
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.is_secure or forwarded == "https"
