"""Reading a dossier package (see ``exchange`` for the format): the archive opened with limits —
members counted, only stored/deflate, no encrypted member, every member decompressed in chunks and
counted against ``PackageLimits`` (never the sizes the headers declare) — then the manifest, the
hashes and the file types checked. Anything wrong is a ``BadPackage`` naming it; nothing is
written here."""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask_babel import gettext as _
from pydantic import ValidationError

from workflow.decisions.exchange import FORMAT, MANIFEST, MAX_ENTRIES, VERSION, BadPackage, ManifestM
from workflow.proposals.attachments import sniff

# --- import: reading and checking -------------------------------------------------------------------

_SAFE_PART = re.compile(r"^[A-Za-z0-9._-]+$")


def _safe_path(name: str) -> bool:
    """Relative, forward slashes, no ``..``, no empty or hidden-trick parts (zip-slip)."""
    if not name or name.startswith("/") or "\\" in name or ":" in name or "\x00" in name:
        return False
    parts = PurePosixPath(name).parts
    return bool(parts) and all(p not in ("", ".", "..") and _SAFE_PART.match(p) for p in parts)


@dataclass(frozen=True)
class PackageLimits:
    """How far a package may unpack (configuration ``TDKT_PACKAGE_*``): at most ``max_members``
    files, and in all at most ``ratio`` × the package's own size, never less than ``floor_bytes``
    nor more than ``cap_bytes``. Sizes are counted while decompressing, never taken from the
    headers."""

    max_members: int = MAX_ENTRIES
    ratio: int = 10
    floor_bytes: int = 16 * 1024 * 1024
    cap_bytes: int = 100 * 1024 * 1024

    @classmethod
    def from_config(cls, config) -> PackageLimits:
        mb = 1024 * 1024
        return cls(max_members=int(config.get("TDKT_PACKAGE_MAX_MEMBERS", MAX_ENTRIES)),
                   ratio=int(config.get("TDKT_PACKAGE_UNPACK_RATIO", cls.ratio)),
                   floor_bytes=int(config.get("TDKT_PACKAGE_UNPACK_MIN_MB", 16)) * mb,
                   cap_bytes=int(config.get("TDKT_PACKAGE_UNPACK_MAX_MB", 100)) * mb)

    def budget(self, package_size: int) -> int:
        """The bytes a package of ``package_size`` may unpack to."""
        return min(self.cap_bytes, max(self.floor_bytes, self.ratio * package_size))


# what a ZIP member may be stored with; anything else (bzip2, lzma, …) is refused unread
COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
# what a damaged member raises while it is decompressed
READ_ERRORS = (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError, ValueError)
CHUNK = 64 * 1024


def _member_error(name: str, reason: str) -> BadPackage:
    return BadPackage(_("%(name)s cannot be unpacked: %(reason)s.", name=name, reason=reason),
                      details={"path": name, "reason": reason})


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The member's bytes, decompressed in chunks; refused as soon as they pass ``budget`` (what is
    left of the package's allowance) or the size its header declares."""
    limit = min(budget, info.file_size)
    chunks, size = [], 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _member_error(info.filename, _("it unpacks beyond the allowed size"))
                chunks.append(chunk)
    except BadPackage:
        raise
    except READ_ERRORS as exc:
        raise _member_error(info.filename, _("the compressed data is damaged")) from exc
    if size != info.file_size:
        raise _member_error(info.filename, _("its size differs from the one its header declares"))
    return b"".join(chunks)


# Stays whole (long or radon D+): one check after another on an untrusted ZIP, each BadPackage naming what is
# wrong, in the order a reader would check by hand.
def read_package(data: bytes, limits: PackageLimits | None = None) -> tuple[ManifestM, dict[str, bytes], str]:  # noqa: C901 (see the comment above)
    """Open and check a package; (manifest, files by path, the package's SHA-256). BadPackage on
    anything wrong, naming it: too many members, an encrypted member, a compression other than
    stored/deflate, a member (or the whole) unpacking past ``limits``, damaged compressed data."""
    limits = limits or PackageLimits()
    budget = limits.budget(len(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (*READ_ERRORS,) as exc:
        raise BadPackage(_("The file is not a ZIP package."), details={"file": "not a zip"}) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise BadPackage(_("The package has too many files."), details={"entries": len(infos)})
        names: set[str] = set()
        declared = 0
        members: list[zipfile.ZipInfo] = []
        for info in infos:
            if info.is_dir():
                continue
            if not _safe_path(info.filename):
                raise BadPackage(_("The package contains an unsafe path: %(name)s.", name=info.filename),
                                 details={"path": info.filename})
            if stat.S_ISLNK(info.external_attr >> 16):
                raise BadPackage(_("The package contains a link: %(name)s.", name=info.filename),
                                 details={"path": info.filename})
            if info.filename in names:
                raise BadPackage(_("The package lists %(name)s twice.", name=info.filename),
                                 details={"path": info.filename})
            if info.flag_bits & 0x1:
                raise _member_error(info.filename, _("it is encrypted"))
            if info.compress_type not in COMPRESSIONS:
                raise _member_error(info.filename, _("unknown compression method %(n)s", n=info.compress_type))
            names.add(info.filename)
            members.append(info)
            declared += info.file_size
            if declared > budget:
                raise _member_error(info.filename, _("the package unpacks beyond the allowed size"))
        if MANIFEST not in names:
            raise BadPackage(_("The package has no manifest.json."), details={"manifest": "missing"})
        # every member is read once, streamed and bounded; the sizes counted are the real ones
        content_of: dict[str, bytes] = {}
        left = budget
        for info in members:
            content_of[info.filename] = _read_member(archive, info, left)
            left -= len(content_of[info.filename])
    try:
        raw = json.loads(content_of[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadPackage(_("manifest.json is not valid JSON."), details={"manifest": "invalid JSON"}) from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise BadPackage(_("This is not a TĐKT dossier package."), details={"format": raw.get("format")
                                                                            if isinstance(raw, dict) else None})
    if raw.get("version") != VERSION:
        raise BadPackage(_("Unknown package version %(v)s (this system reads version %(known)d).",
                           v=raw.get("version"), known=VERSION), code="unsupported_version",
                         details={"version": raw.get("version")})
    try:
        manifest = ManifestM.model_validate(raw)
    except ValidationError as exc:
        details = {".".join(str(p) for p in e["loc"]): e["msg"] for e in exc.errors()}
        raise BadPackage(_("manifest.json does not follow the format: %(fields)s.",
                           fields=", ".join(list(details)[:5])), details=details) from exc
    listed = {f.path: f for f in manifest.files}
    if len(listed) != len(manifest.files):
        raise BadPackage(_("The manifest lists a file twice."), details={"files": "duplicate"})
    for path in listed:
        if not _safe_path(path):
            raise BadPackage(_("The manifest names an unsafe path: %(name)s.", name=path), details={"path": path})
    present = names - {MANIFEST}
    if set(listed) - present:
        missing = sorted(set(listed) - present)
        raise BadPackage(_("Files listed in the manifest are missing: %(names)s.", names=", ".join(missing)),
                         code="missing_file", details={"missing": missing})
    if present - set(listed):
        extra = sorted(present - set(listed))
        raise BadPackage(_("The package holds files its manifest does not list: %(names)s.",
                           names=", ".join(extra)), details={"unlisted": extra})
    files = {}
    for path, entry in listed.items():
        content = content_of[path]
        if len(content) != entry.size or hashlib.sha256(content).hexdigest() != entry.sha256:
            raise BadPackage(_("%(name)s does not match its SHA-256 in the manifest: the package was "
                               "altered.", name=path), code="hash_mismatch", details={"path": path})
        files[path] = content
    referenced = [d.path for d in manifest.documents] + [a.path for p in manifest.proposals for a in p.attachments]
    unknown = sorted(set(referenced) - set(files))
    if unknown:
        raise BadPackage(_("The manifest refers to files it does not list: %(names)s.", names=", ".join(unknown)),
                         code="missing_file", details={"missing": unknown})
    for ref in [*manifest.documents, *(a for p in manifest.proposals for a in p.attachments)]:
        if sniff(files[ref.path][:16], files[ref.path]) is None:
            raise BadPackage(_("%(name)s is not a PDF, DOCX, JPEG or PNG file.", name=ref.path),
                             details={"path": ref.path})
    return manifest, files, hashlib.sha256(data).hexdigest()
