"""The hash-chained audit log (SPEC §4): one chain per authority, appended by every transition and
every admin change; ``verify`` (and ``tdkt audit verify``) finds the first broken link."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.orm import Session

from tests import factories as f
from tests.proposals.helpers import World
from workflow.audit.models import AuditChain, AuditEntry
from workflow.audit.services import verify

GENESIS = "0" * 64


@pytest.fixture
def w(client, session):
    return World(client, session)


def chain(session, code: str) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.chain == code).order_by(AuditEntry.seq)))


def total(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(AuditEntry.id)))


def recomputed(entry: AuditEntry) -> str:
    """The entry's hash as the SPEC's chain defines it, computed here independently."""
    payload = {"chain": entry.chain, "seq": entry.seq, "created_at": entry.created_at.isoformat(),
               "actor_id": entry.actor_id, "actor_name": entry.actor_name, "action": entry.action,
               "object_type": entry.object_type, "object_id": entry.object_id, "data": entry.data,
               "prev_hash": entry.prev_hash}
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def assert_well_linked(entries: list[AuditEntry]) -> None:
    previous = GENESIS
    for i, entry in enumerate(entries, start=1):
        assert entry.seq == i and entry.prev_hash == previous and entry.hash == recomputed(entry)
        previous = entry.hash


# --- appending ------------------------------------------------------------------------------------

def test_every_transition_appends_one_entry_to_the_authoritys_chain(w, session):
    p = w.propose(w.person())
    items = [{"doc_type": "bao_cao_thanh_tich", "message": "Thiếu báo cáo thành tích"}]
    steps = [("nominator", "submit", {}), ("secretary", "return_for_changes", {"items": items})]
    for who, event, data in steps:
        before = chain(session, "X-DB")
        w.event(who, p["id"], event, **data)
        after = chain(session, "X-DB")
        assert len(after) == len(before) + 1
        entry = after[-1]
        assert entry.action == f"proposal.{event}" and entry.object_type == "proposal"
        assert entry.object_id == str(p["id"]) and entry.prev_hash == before[-1].hash
        assert entry.actor_name == w.org["users"][who].username
        history = w.get("secretary", f"/api/v1/proposals/{p['id']}/history")[-1]
        assert (entry.data["from"], entry.data["to"]) == (history["from"], history["to"])
    # a refused event leaves the chain alone
    before = total(session)
    w.event("secretary", p["id"], "accept", expect=409)
    w.event("chair", p["id"], "resubmit", expect=403)
    assert total(session) == before
    assert_well_linked(chain(session, "X-DB"))
    assert verify(session) == (total(session), None)


def test_admin_changes_append_to_the_right_chain(w, session):
    admin = "admin"
    cases = [
        ("PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-2025"}, "X-DB", "authority.update"),
        ("POST", "/api/v1/units", {"code": "DB-DONGDAU", "name": "Xóm Đồng Đau", "kind": "hamlet",
                                   "authority_code": "X-DB"}, "X-DB", "unit.create"),
        ("POST", "/api/v1/users", {"username": "pho_chu_tich", "password": f.PASSWORD, "full_name": "Lường Văn Phó",
                                   "roles": [{"role": "council_member", "authority_code": "X-DB"}]},
         "X-DB", "user.create"),
        ("PUT", "/api/v1/authorities/X-DB/council", {"members": [
            {"username": "chutich", "position": "chair"}, {"username": "pho_chu_tich", "position": "vice_chair"},
            {"username": "uyvien", "position": "member"}]}, "X-DB", "council.set"),
        ("POST", "/api/v1/authorities", {"code": "X-PHUONGTIEN", "name": "UBND xã Phượng Tiến", "kind": "commune",
                                         "parent_code": "H-DH"}, "X-PHUONGTIEN", "authority.create"),
    ]
    for method, path, body, code, action in cases:
        before, everywhere = chain(session, code), total(session)
        r = w.call(admin, method, path, body)
        assert r.status_code in (200, 201), r.get_json()
        after = chain(session, code)
        assert len(after) == len(before) + 1 and total(session) == everywhere + 1, action
        assert after[-1].action == action and after[-1].actor_name == "root_admin"
        assert after[-1].prev_hash == (before[-1].hash if before else GENESIS)
    # refused admin changes append nothing
    before = total(session)
    assert w.call("secretary", "POST", "/api/v1/units", {"code": "DB-X", "name": "X", "kind": "hamlet",
                                                         "authority_code": "X-DB"}).status_code >= 400
    assert w.call(admin, "PATCH", "/api/v1/authorities/X-DB", {"rule_set": "vn-1990"}).status_code == 422
    assert total(session) == before
    assert verify(session) == (total(session), None)


def test_each_authority_has_its_own_chain(w, session):
    heads = {h.chain: h for h in session.scalars(select(AuditChain))}
    for code in ("T-TN", "H-DH", "X-DB"):
        entries = chain(session, code)
        assert entries, code
        assert_well_linked(entries)
        assert heads[code].seq == entries[-1].seq and heads[code].hash == entries[-1].hash


# --- tampering ------------------------------------------------------------------------------------

@pytest.fixture
def filled(w, session):
    """A commune chain of a dozen entries or more."""
    for i in range(3):
        p = w.propose(w.person(f"Ma Văn Ghi {i}"))
        w.event("nominator", p["id"], "submit")
    entries = chain(session, "X-DB")
    assert len(entries) >= 12 and verify(session)[1] is None
    return entries


def test_tampered_data_is_detected(session, filled):
    target = filled[5]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(
        data={**target.data, "name": "Tên đã bị sửa"}))
    session.commit()
    checked, broken = verify(session)
    assert broken is not None
    assert (broken.chain, broken.seq, broken.entry_id) == ("X-DB", target.seq, target.id)
    assert "hash" in broken.reason


def test_tampered_column_by_raw_sql_is_detected(session, filled):
    target = filled[3]
    session.execute(text("UPDATE audit_entry SET actor_name = 'ke_gian' WHERE id = :id"), {"id": target.id})
    session.commit()
    broken = verify(session)[1]
    assert (broken.seq, broken.entry_id) == (target.seq, target.id)


def test_the_first_broken_entry_is_reported(session, filled):
    early, late = filled[2], filled[8]
    for target in (late, early):
        session.execute(text("UPDATE audit_entry SET action = 'proposal.reject' WHERE id = :id"), {"id": target.id})
    session.commit()
    broken = verify(session)[1]
    assert (broken.seq, broken.entry_id) == (early.seq, early.id)


def test_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(session, filled):
    target = filled[4]
    target.data = {**target.data, "forged": True}
    new_hash = recomputed(target)
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(data=target.data, hash=new_hash))
    session.commit()
    broken = verify(session)[1]
    assert (broken.seq, broken.entry_id) == (filled[5].seq, filled[5].id)
    assert "link" in broken.reason


def test_deleted_entry_is_detected(session, filled):
    gone = filled[6]
    session.execute(delete(AuditEntry).where(AuditEntry.id == gone.id))
    session.commit()
    broken = verify(session)[1]
    assert broken.chain == "X-DB" and broken.seq == gone.seq
    assert broken.entry_id == filled[7].id and str(gone.seq) in broken.reason


def test_deleted_last_entry_is_detected(session, filled):
    last = filled[-1]
    session.execute(delete(AuditEntry).where(AuditEntry.id == last.id))
    session.commit()
    broken = verify(session)[1]
    assert broken is not None and broken.chain == "X-DB" and broken.seq == last.seq


def test_rewritten_last_entry_is_detected(session, filled):
    last = filled[-1]
    last.data = {**last.data, "forged": True}
    session.execute(update(AuditEntry).where(AuditEntry.id == last.id).values(data=last.data, hash=recomputed(last)))
    session.commit()
    broken = verify(session)[1]
    assert broken is not None and (broken.chain, broken.seq) == ("X-DB", last.seq)


def test_a_whole_deleted_chain_is_detected(session, filled):
    session.execute(delete(AuditEntry).where(AuditEntry.chain == "X-DB"))
    session.commit()
    broken = verify(session)[1]
    assert broken is not None and broken.chain == "X-DB" and broken.seq == 1


# --- the CLI --------------------------------------------------------------------------------------

def test_cli_audit_verify_ok_then_broken(tmp_path):
    from tests.helpers import upgraded_cli
    from workflow import create_app
    from workflow.cli import main
    from workflow.extensions import db

    runner, env, url = upgraded_cli(tmp_path, "audit.sqlite")

    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path / "instance"), "BROKER_URL": "memory://",
                      "SECRET_KEY": "cli-test-secret-key-not-for-production"})
    with app.app_context():
        f.commune_setup(db.session)
        db.session.remove()
        db.engine.dispose()

    engine = create_engine(url)
    try:
        with Session(engine) as s:
            entries = s.scalar(select(func.count(AuditEntry.id)))
            target = s.scalars(select(AuditEntry).where(AuditEntry.chain == "X-DB").order_by(AuditEntry.seq)
                               .offset(2)).first()
            target_id, target_seq = target.id, target.seq
        assert entries >= 8

        ok = runner.invoke(main, ["audit", "verify"], env=env)
        assert ok.exit_code == 0, ok.output
        assert ok.output.startswith("OK") and str(entries) in ok.output

        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_entry SET actor_name = 'ke_gian' WHERE id = :id"), {"id": target_id})
        bad = runner.invoke(main, ["audit", "verify"], env=env)
        assert bad.exit_code == 1, bad.output
        assert "BROKEN" in bad.output and "X-DB" in bad.output
        assert f"#{target_seq}" in bad.output and f"id {target_id}" in bad.output
    finally:
        engine.dispose()
