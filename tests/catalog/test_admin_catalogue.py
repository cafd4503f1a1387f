"""An admin adds or edits award types (SPEC §3); bad definitions are refused whole."""

from sqlalchemy import select

from tests import factories as f
from workflow.catalog.models import AwardType, RuleSet


def _body(**changes):
    body = {"name_vi": "Giấy khen đột xuất của Chủ tịch UBND xã", "name_en": "One-off certificate of merit",
            "kind": "commendation", "nominee_kinds": ["individual", "household"], "deciding_level": "commune",
            "council_vote": False, "simplified": True, "cash_coefficient": {"individual": 0.15}}
    return {**body, **changes}


def test_admin_adds_and_edits_a_type(client, session):
    f.commune_setup(session)
    admin = f.token(client, "root_admin")
    r = client.put("/api/v1/rule-sets/vn-2026/award-types/GK_XA_DOT_XUAT", headers=admin, json=_body())
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["council_vote"] is False
    secretary = f.token(client, "thuky")
    codes = {t["code"] for t in client.get("/api/v1/award-types?rule_set=vn-2026", headers=secretary).get_json()}
    assert "GK_XA_DOT_XUAT" in codes
    edited = client.put("/api/v1/rule-sets/vn-2026/award-types/LDTT", headers=admin,
                        json=_body(name_vi="Danh hiệu “Lao động tiên tiến” (sửa)", nominee_kinds=["individual"],
                                   kind="title", council_vote=True))
    assert edited.status_code == 200
    row = session.scalar(select(AwardType).join(RuleSet).where(RuleSet.code == "vn-2026", AwardType.code == "LDTT"))
    assert row.edited and row.name_vi.endswith("(sửa)")


def test_bad_definitions_and_non_admins_refused(client, session):
    f.commune_setup(session)
    admin, secretary = f.token(client, "root_admin"), f.token(client, "thuky")
    ldtt = select(AwardType).join(RuleSet).where(RuleSet.code == "vn-2026", AwardType.code == "LDTT")
    before = session.scalar(ldtt).name_vi
    for body, field in ((_body(kind="medal"), "kind"), (_body(deciding_level="district"), "deciding_level"),
                        (_body(prerequisites=[{"award": ["NOPE"], "years": 1}]), "prerequisites")):
        r = client.put("/api/v1/rule-sets/vn-2026/award-types/LDTT", headers=admin, json=body)
        assert r.status_code == 422 and field in r.get_json()["error"]["details"], r.get_json()
    assert client.put("/api/v1/rule-sets/vn-2026/award-types/LDTT", headers=secretary,
                      json=_body()).status_code == 403
    assert client.put("/api/v1/rule-sets/vn-1990/award-types/LDTT", headers=admin, json=_body()).status_code == 404
    session.expire_all()
    assert session.scalar(ldtt).name_vi == before
