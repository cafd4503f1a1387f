"""Translations: the Vietnamese catalogue is complete, correct, up to date with the code and
compiled; pages render in Vietnamese by default and in English on request.

After adding a string: ``make translations``, translate it in
``workflow/translations/vi/LC_MESSAGES/messages.po``, then ``make test`` (which compiles).
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "workflow" / "translations"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
VI_MO = VI_PO.with_suffix(".mo")
# Flask-Babel's functions beyond Babel's default keywords, as `pybabel extract -k` options
EXTRA_KEYWORDS = {
    "_l": "_l",
    "lazy_gettext": "lazy_gettext",
    "lazy_ngettext": "lazy_ngettext:1,2",
    "lazy_pgettext": "lazy_pgettext:1c,2",
    "lazy_npgettext": "lazy_npgettext:1c,2,3",
}
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(list(EXTRA_KEYWORDS.values()))}
# %(name)s, %(n)d, %s, %% …
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*(?:\*|\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _read_vi():
    with VI_PO.open("rb") as f:
        return read_po(f, locale="vi")


def _forms(value) -> list[str]:
    """A message's id or string as a list (plural messages have several forms)."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _messages():
    return [m for m in _read_vi() if m.id]


def _ids(messages):
    return [_forms(m.id)[0][:60] for m in messages]


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], str]:
    """Every translatable string in the sources, extracted in memory over babel.cfg's mapping:
    ``(msgid, context) -> "file:line"``."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    tops = {pattern.split("/", 1)[0] for pattern, _method in method_map}

    def directory_filter(path: str) -> bool:
        relative = Path(path).relative_to(ROOT)
        return relative.parts[0] in tops and not any(p.startswith((".", "_")) for p in relative.parts)

    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=directory_filter
    ):
        msgid = _forms(message)[0]
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def test_catalogue_header_is_not_fuzzy():
    """A catalogue without a header (or a fuzzy one) is skipped by ``pybabel compile``: the whole
    interface would silently fall back to English."""
    catalogue = _read_vi()
    assert not catalogue.fuzzy, (
        f"{VI_PO.relative_to(ROOT)} has no header or a fuzzy one, so `pybabel compile` skips it "
        "(do not pass --omit-header to `pybabel update`)"
    )
    assert str(catalogue.locale) == "vi"


def test_every_message_is_translated():
    untranslated = [m.id for m in _messages() if not all(s.strip() for s in _forms(m.string))]
    fuzzy = [m.id for m in _messages() if m.fuzzy]
    assert not untranslated, f"untranslated in vi/messages.po: {untranslated}"
    assert not fuzzy, f"fuzzy (unchecked) in vi/messages.po: {fuzzy}"


@pytest.mark.parametrize("message", _messages(), ids=_ids(_messages()))
def test_placeholders_are_kept(message):
    wanted = Counter(PLACEHOLDER.findall(_forms(message.id)[0]))
    for form in _forms(message.string):
        assert Counter(PLACEHOLDER.findall(form)) == wanted, (
            f"placeholders differ: {message.id!r} -> {form!r}"
        )


def test_catalogue_is_up_to_date_with_the_code(extracted):
    """A string added in the code or a template without running `make translations` and translating
    it fails here."""
    catalogue = _read_vi()
    assert extracted, "nothing extracted: is babel.cfg's mapping right?"
    missing = sorted(f"{where}: {msgid!r}" for (msgid, context), where in extracted.items()
                     if catalogue.get(msgid, context=context) is None)
    assert not missing, (
        "strings missing from vi/messages.po (run `make translations`, then translate them):\n  "
        + "\n  ".join(missing)
    )


def test_makefile_extracts_every_gettext_function_the_code_uses():
    """`make translations` passes `-k` for each lazy function in use, or its strings never reach
    the catalogue (and the next update marks them obsolete)."""
    extract = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "pybabel extract" in line)
    declared = {option.split(":")[0] for option in re.findall(r"-k\s+(\S+)", extract)}
    sources = "\n".join(path.read_text(encoding="utf-8")
                        for folder in ("workflow", "tasks") for path in (ROOT / folder).rglob("*.py"))
    used = {name for name in EXTRA_KEYWORDS if re.search(rf"\b{name}\s*\(", sources)}
    missing = sorted(used - declared)
    assert not missing, "add to the Makefile's `pybabel extract`: " + " ".join(
        f"-k {EXTRA_KEYWORDS[name]}" for name in missing)


def test_compiled_catalogue_matches_the_po_file():
    """The .mo (git-ignored, compiled by `make test`) exists and carries the current translations."""
    assert VI_MO.exists(), "vi/messages.mo is missing: run `pybabel compile -d workflow/translations`"
    with VI_MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)

    def compiled_string(m):
        return compiled.pgettext(m.context, m.id) if m.context else compiled.gettext(m.id)

    stale = [m.id for m in _messages() if not isinstance(m.id, (list, tuple)) and compiled_string(m) != m.string]
    assert not stale, f"vi/messages.mo is out of date (recompile): {stale[:10]}"


def test_the_app_loads_the_compiled_catalogue(app):
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with app.test_request_context("/"):
        with force_locale("vi"):
            assert _("Sign in") == "Đăng nhập"
            assert _("Unknown authority: %(code)s.", code="X-1") == "Không có cơ quan: X-1."
        with force_locale("en"):
            assert _("Sign in") == "Sign in"


def test_login_page_is_vietnamese_by_default(client):
    html = client.get("/dang-nhap").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Đăng nhập" in html
    assert "Quản lý thi đua, khen thưởng" in html
    assert "Tên đăng nhập" in html and "Mật khẩu" in html
    assert "Sign in" not in html


def test_login_page_in_english_on_request(client):
    html = client.get("/dang-nhap?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html and "Username" in html and "Password" in html
    assert "Đăng nhập" not in html
    # the choice is remembered for the next page
    assert '<html lang="en">' in client.get("/dang-nhap").get_data(as_text=True)


def test_language_switch_link_does_not_switch_back(client):
    """The EN link on a page opened with ?lang=vi must not lead back to ?lang=vi."""
    html = client.get("/dang-nhap?lang=vi").get_data(as_text=True)
    href = re.search(r'<a href="([^"]+)"[^>]*data-lang="en"', html).group(1).replace("&amp;", "&")
    assert "lang%3Dvi" not in href and "lang=vi" not in href
    page = client.get(href, follow_redirects=True)
    assert '<html lang="en">' in page.get_data(as_text=True)


def test_error_pages_are_translated_and_never_show_a_trace(app):
    def boom():
        raise RuntimeError("secret internals: password=hunter2")

    app.add_url_rule("/_test-boom", "test_boom", boom)
    client = app.test_client()

    missing = client.get("/khong-co-trang-nay")
    assert missing.status_code == 404
    assert "Không tìm thấy" in missing.get_data(as_text=True)

    crashed = client.get("/_test-boom")
    body = crashed.get_data(as_text=True)
    assert crashed.status_code == 500
    assert "Đã xảy ra lỗi" in body
    assert "Traceback" not in body and "hunter2" not in body and "RuntimeError" not in body

    english = client.get("/_test-boom?lang=en").get_data(as_text=True)
    assert "Something went wrong" in english and "hunter2" not in english


def test_rate_limited_login_shows_the_translated_page(app):
    app.config["TDKT_LOGIN_DELAY_AFTER"] = 0  # the window's limit (the growing delay has its own tests)
    client = app.test_client()
    page = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": "ai-do", "password": "sai"}
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    statuses = [client.post("/dang-nhap", data=form).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit  # the form again, with "wrong username or password"
    assert statuses[-1] == 429
    body = client.post("/dang-nhap", data=form).get_data(as_text=True)
    assert "Quá nhiều lần thử" in body and "Traceback" not in body


def test_the_catalogues_hold_no_merge_leftovers():
    """A merge conflict left in a .po file compiles with warnings and silently drops messages."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "workflow" / "translations"
    for po in folder.glob("*/LC_MESSAGES/messages.po"):
        lines = po.read_text(encoding="utf-8").splitlines()
        bad = [n for n, line in enumerate(lines, 1) if line.startswith(("<<<<<<<", ">>>>>>>", "======="))]
        assert bad == [], f"{po}: merge markers on lines {bad}"
