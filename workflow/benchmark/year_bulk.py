"""Bench case: a hamlet's whole GĐVH list proposed in one request (issue 11, target ≤ 5 s on SQLite).

Timed through the API with Flask's test client — ``POST /api/v1/proposals/bulk`` as the hamlet head
sends it, JSON in and out — so the figure includes what a real request pays (token check, body
validation, one commit per row). The households are inserted as plain rows beforehand: building
the data set is not what is measured.
"""

from __future__ import annotations

import time
from datetime import date

from workflow import vntime
from workflow.benchmark.year import case

HOUSEHOLDS = 600
PASSWORD = "Bench-mat-khau-2024!"


def nominate_hamlet(app, households: int = HOUSEHOLDS) -> dict:
    """Set up one commune with one hamlet of ``households`` households, then time one bulk GĐVH
    nomination of all of them (a few refused: already proposed, or not a household)."""
    from workflow.extensions import db
    from workflow.org import services as org
    from workflow.org.models import Nominee
    from workflow.org.services import system_actor
    from workflow.proposals import services

    with app.test_request_context():
        session, actor = db.session, system_actor()
        commune = org.create_authority(session, actor, code="X-BENCH", name="UBND xã Định Biên", kind="commune",
                                       parent_code=None, rule_set=None)
        hamlet = org.create_unit(session, actor, code="X-BENCH-NATO", name="Xóm Nà To", kind="hamlet",
                                 authority_code=commune.code)
        head = org.create_user(session, actor, username="bench_truongxom", password=PASSWORD,
                               full_name="Trưởng xóm", roles=[{"role": "nominator", "authority_code": commune.code,
                                                               "unit_code": hamlet.code}])
        secretary = org.create_user(session, actor, username="bench_thuky", password=PASSWORD, full_name="Thư ký",
                                    roles=[{"role": "secretary", "authority_code": commune.code}])
        today = vntime.today()
        round_ = services.create_round(session, secretary, authority_code=commune.code, year=today.year,
                                       kind="annual", title=f"Tổng kết năm {today.year}",
                                       nomination_deadline=date(today.year, 12, 31))
        rows = [Nominee(kind="household", name=f"Hộ ông Ma Văn {i:03d}", head_name=f"Ma Văn {i:03d}",
                        authority_id=commune.id, unit_id=hamlet.id) for i in range(households)]
        rows.append(Nominee(kind="individual", name="Hoàng Văn Cá Nhân", authority_id=commune.id, unit_id=hamlet.id))
        session.add_all(rows)
        session.commit()
        ids = [r.id for r in rows]
        evidence = {"meeting": {"held_on": today.isoformat(), "invited": households, "present": households,
                                "agreed": households},
                    "notice": {"from": today.isoformat(), "to": today.isoformat()}}
        services.create_proposal(session, head, round_id=round_.id, nominee_id=ids[0], award_type_code="GDVH",
                                 unit_code=hamlet.code, evidence=evidence)  # one already proposed
        body = {"round_id": round_.id, "award_type_code": "GDVH", "unit_code": hamlet.code, "nominee_ids": ids,
                "achievements": "Chấp hành tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước.",
                "evidence": evidence}
        session.commit()  # the set-up's own unit of work: the services only flush
        db.session.remove()

    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "bench_truongxom", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post("/api/v1/proposals/bulk", json=body, headers=headers)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if response.status_code != 200:
        raise RuntimeError(f"bulk nomination answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    answer = response.get_json()
    # the CPU time too: on a shared machine the wall clock mostly measures the others' load
    return {"seconds": seconds, "cpu_seconds": round(cpu, 3), "nominees": len(ids), "created": len(answer["created"]),
            "refused": len(answer["refused"])}


@case("bulk_gdvh_600", "bulk GĐVH nomination of 600 households (POST /api/v1/proposals/bulk)", 5.0,
      databases=("sqlite",))
def bulk_gdvh_600(app) -> dict:
    return nominate_hamlet(app)
