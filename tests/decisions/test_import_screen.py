"""The dossier import screen (POST /hop-thu-den/nhap-ho-so, the form on the inbox): a package from the
commune's system, received at the district's own deployment by a signed-in officer. Success says how
many proposals of which submission arrived; each refusal — no file, a file that is not a package, a
damaged one, an award type or organisation not known here, a package for another authority, a
replay — says why on the inbox (or answers 404 for another authority's package, like the API) and
changes nothing: no proposal, nominee, file, history row, import record or audit entry.

The API's import is covered by test_exchange.py and test_exchange_integrity.py; this is the screen's.
"""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from tests import factories as f
from tests.decisions.test_exchange import _counts, _manifest, _rezip, _tampered
from workflow.audit.models import AuditEntry
from workflow.decisions.models import DossierImport
from workflow.extensions import db
from workflow.proposals.models import Proposal

INBOX = "/hop-thu-den"
ACTION = "/hop-thu-den/nhap-ho-so"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


def _sign_in(app, username: str):
    browser = app.test_client()
    token = _csrf(browser.get("/dang-nhap").get_data(as_text=True))
    response = browser.post("/dang-nhap", data={"username": username, "password": f.PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return browser


def _upload(browser, data: bytes | None, filename: str = "ho-so.zip"):
    page = browser.get(INBOX)
    assert page.status_code == 200
    form = {"csrf_token": _csrf(page.get_data(as_text=True))}
    if data is not None:
        form["file"] = (io.BytesIO(data), filename)
    return browser.post(ACTION, data=form, content_type="multipart/form-data")


def _everything(app) -> tuple:
    with app.app_context():
        s = db.session
        extra = (s.scalar(select(func.count(DossierImport.id))), s.scalar(select(func.count(AuditEntry.id))))
        db.session.remove()
    return _counts(app) + extra


def _flashes(browser, response, kind: str) -> list[str]:
    assert response.status_code == 302 and response.headers["Location"].endswith(INBOX)
    page = browser.get(INBOX).get_data(as_text=True)
    found = re.findall(rf'data-testid="flash-{kind}">\s*(.*?)\s*<button', page, re.S)
    return [html.unescape(m) for m in found]


def _vi(app, message: str, **values) -> str:
    with app.test_request_context("/"), force_locale("vi"):
        return _(message, **values)


def _with_manifest(data: bytes, change) -> bytes:
    def edit(files: dict) -> None:
        manifest = _manifest(files)
        change(manifest)
        files["manifest.json"] = json.dumps(manifest).encode()
    return _rezip(data, edit)


def _unknown_award(manifest: dict) -> None:
    manifest["proposals"][0]["award_type"]["code"] = "KHONG_CO"


REFUSALS = {
    # name: (who, the package from the fixture's zip, the message on the inbox)
    "no file": ("huyen_thuky", lambda z: None, ("Choose the package file (.zip).", {})),
    "empty file name": ("huyen_thuky", lambda z: (z, ""), ("Choose the package file (.zip).", {})),
    "not a zip": ("huyen_thuky", lambda z: _tampered(z, "not_a_zip"), None),
    "damaged document": ("huyen_thuky", lambda z: _tampered(z, "altered_file"), None),
    "unknown award type": ("huyen_admin", lambda z: _with_manifest(z, _unknown_award),
                           ("Award type %(code)s is not known here.", {"code": "KHONG_CO"})),
    # the officer may not set up the sending commune by importing (issue 15, item 9)
    "organisation not set up": ("huyen_thuky", lambda z: z, None),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_a_refusal_says_why_and_changes_nothing(package, district, name):
    app, _client = district
    who, make, message = REFUSALS[name]
    browser = _sign_in(app, who)
    made = make(package["zip"])
    before = _everything(app)
    if isinstance(made, tuple):
        response = _upload(browser, made[0], made[1])
    else:
        response = _upload(browser, made)
    flashes = _flashes(browser, response, "danger")
    assert len(flashes) == 1 and flashes[0]
    if message is not None:
        assert flashes[0] == _vi(app, message[0], **message[1])
    if name == "organisation not set up":
        assert "X-DB" in flashes[0] and "DB-NATO" in flashes[0]
    assert _everything(app) == before


def test_the_screen_refuses_what_the_api_refuses_with_the_same_words(package, district):
    """A damaged package: the screen's message is the API's error message."""
    app, client = district
    damaged = _tampered(package["zip"], "altered_file")
    api = client.post("/api/v1/dossiers/import", headers={**f.token(client, "huyen_thuky"), "Accept-Language": "vi"},
                      data={"file": (io.BytesIO(damaged), "ho-so.zip")}, content_type="multipart/form-data")
    assert api.status_code == 422 and api.get_json()["error"]["code"] == "hash_mismatch"
    browser = _sign_in(app, "huyen_thuky")
    assert _flashes(browser, _upload(browser, damaged), "danger") == [api.get_json()["error"]["message"]]


@pytest.mark.parametrize("who", ["khac_thuky", "tinh_tdkt"])
def test_another_authoritys_package_is_a_404_and_changes_nothing(package, district, who):
    app, _client = district
    browser = _sign_in(app, who)
    before = _everything(app)
    assert _upload(browser, package["zip"]).status_code == 404
    assert _everything(app) == before


def test_success_then_a_replay_is_refused(package, district):
    app, _client = district
    admin = _sign_in(app, "huyen_admin")
    before = _everything(app)
    response = _upload(admin, package["zip"])
    assert _flashes(admin, response, "success") == [
        _vi(app, "%(n)d proposal(s) of submission %(number)s were received.", n=2, number="01/TTr-UBND")]
    after = _everything(app)
    assert after[0] == before[0] + 2 and after[-2] == before[-2] + 1  # two proposals, one import record
    with app.app_context():
        received = db.session.scalars(select(Proposal).order_by(Proposal.id)).all()
        assert [(p.state, p.current_authority.code, p.award_type_code) for p in received] == [
            ("submitted", "H-NGOAI", "BK_TINH"), ("submitted", "H-NGOAI", "CSTD_TINH")]
        db.session.remove()
    # the inbox's officer sees them waiting; importing the package again (either of them) changes nothing
    officer = _sign_in(app, "huyen_thuky")
    for browser in (officer, admin):
        response = _upload(browser, package["zip"])
        assert _flashes(browser, response, "danger") == [_vi(app, "This package has already been imported.")]
        assert _everything(app) == after
