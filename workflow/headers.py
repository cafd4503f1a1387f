"""Security headers on every response: pages, JSON, static files, errors and downloads.

The pages load scripts and styles only from ``/static`` (no inline ``<script>``, ``on*=`` handler or
``style=""`` attribute in the templates), so the policy needs no ``'unsafe-inline'``; no page may be
framed (the ballot and the signing desk above all). HSTS only in production, where TLS is
terminated by the reverse proxy in front of the app.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # the inline favicon and Bootstrap's SVG icons are data: URLs
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # browsers that do not know frame-ancestors
}
HSTS = "max-age=31536000; includeSubDomains"


def init_security_headers(app: Flask) -> None:
    """Add the headers in an ``after_request`` hook, which Flask also runs for error pages."""
    production = app.config["TDKT_ENV"] == "production"

    @app.after_request
    def _secure(response: Response) -> Response:
        response.headers.update(SECURITY_HEADERS)
        if production:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
