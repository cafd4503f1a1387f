"""Sending a rendered document: always as an attachment, never cached (drafts change)."""

from __future__ import annotations

import io

from flask import send_file


def download_response(rendered):
    response = send_file(io.BytesIO(rendered.content), mimetype=rendered.mimetype, as_attachment=True,
                         download_name=rendered.filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
