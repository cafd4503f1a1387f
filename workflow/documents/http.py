"""Sending a file to download: always as an attachment, under a sanitised name, with
``X-Content-Type-Options: nosniff`` so a browser never renders it as something else (an uploaded
PDF that also parses as HTML stays a download)."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

from flask import send_file

from workflow.validation import strip_control

# characters a file name may not carry into a header or onto a disk: separators, quotes, Windows' reserved
_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def safe_filename(name: str, default: str = "tai-lieu") -> str:
    """A file name fit for ``Content-Disposition`` and any file system: the last path component,
    without control characters, separators or quotes; Vietnamese letters kept (NFC)."""
    name = strip_control(unicodedata.normalize("NFC", str(name or "")), multiline=False)
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or default


def send_download(content: bytes | Path, mimetype: str, filename: str, *, no_store: bool = True):
    """``content`` (bytes, or a stored file) as an attachment named ``filename`` (sanitised)."""
    source = io.BytesIO(content) if isinstance(content, bytes | bytearray) else content
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=safe_filename(filename),
                         max_age=0 if no_store else None)
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def download_response(rendered):
    """A rendered document (never cached: drafts change)."""
    return send_download(rendered.content, rendered.mimetype, rendered.filename)
