"""Fixtures for the decision tests: the commune desk of ``helpers.Desk``."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import create_engine

from tests import factories as f
from tests.decisions.helpers import Desk
from workflow import create_app
from workflow.db import Base
from workflow.extensions import db


@pytest.fixture
def d(app, client, session):
    # a test signs in a dozen people from one address: lift the sign-in rate limit
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    return Desk(client, session)


# --- dossier exchange: a sent submission's package, and the district's own deployment ----------

@pytest.fixture
def package(d, session):
    """X-DB under a district that is not in this system; a Bằng khen and a CSTĐ tỉnh sent up."""
    outside = f.authority(session, "H-NGOAI", "district", d.org["province"], name="UBND huyện Định Hóa")
    session.merge(d.org["commune"]).parent_id = outside.id
    session.commit()
    bk = d.accepted("Hoàng Thị Bằng", "BK_TINH")
    response = d.client.post(f"/api/v1/proposals/{bk}/attachments", headers=d.auth("secretary"),
                             data={"doc_type": "bao_cao_thanh_tich",
                                   "file": (io.BytesIO(b"%PDF-1.4 bao cao thanh tich"), "Báo cáo thành tích.pdf")})
    assert response.status_code == 201, response.get_json()
    fighter = d.person("Nông Văn Chiến")
    for year in (2023, 2024, 2025):
        d.past_award(fighter, "CSTDCS", year, f"{year - 2000}/QĐ-UBND")
    cstd = d.propose(fighter, "CSTD_TINH", who="secretary")["id"]
    d.event("secretary", cstd, "submit")
    d.event("secretary", cstd, "accept")
    d.recommend([bk, cstd])
    sent = d.send(d.submission([bk, cstd])["id"], date="2025-12-29")
    zipped = d.download("thuky", f"/api/v1/submissions/{sent['id']}/package")
    assert zipped.headers["Content-Type"] == "application/zip"
    assert zipped.headers["Content-Disposition"].startswith("attachment;")
    return {"zip": zipped.data, "submission": sent, "bk": bk, "cstd": cstd}


@pytest.fixture
def district(tmp_path):
    """The district's own deployment: another database, the same district code, its secretary."""
    url = f"sqlite:///{tmp_path / 'district.sqlite'}"
    engine = create_engine(url)
    import workflow.models  # noqa: F401

    Base.metadata.create_all(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "district-instance"),
                      "SECRET_KEY": "district-test-secret-key", "BROKER_URL": "memory://",
                      "RATELIMIT_STORAGE_URL": "memory://", "CELERY_ALWAYS_EAGER": True})
    app.config.update(TESTING=True, LOGIN_RATE_LIMIT="1000 per minute")
    with app.app_context():
        from workflow.cash.services import load_base_salary
        from workflow.catalog.services import load_rule_sets

        load_rule_sets(db.session)
        load_base_salary(db.session)
        db.session.commit()
        province = f.authority(db.session, "T-TN", "province", name="UBND tỉnh Thái Nguyên")
        here = f.authority(db.session, "H-NGOAI", "district", province, name="UBND huyện Định Hóa")
        f.user(db.session, "secretary", here, username="huyen_thuky")
        f.user(db.session, "admin", here, username="huyen_admin")
        f.user(db.session, "higher_reviewer", province, username="tinh_tdkt")
        other = f.authority(db.session, "H-KHAC", "district", province, name="UBND huyện Khác")
        f.user(db.session, "secretary", other, username="khac_thuky")
        db.session.remove()
    client = app.test_client()
    yield app, client
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
