"""Configured calendar days change the working-day count; only the deployment admin edits them."""

from tests import factories as f


def test_admin_configures_days(client, session):
    f.commune_setup(session)
    admin, secretary = f.token(client, "root_admin"), f.token(client, "thuky")
    before = client.get("/api/v1/calendar?year=2025", headers=secretary).get_json()["working_days"]
    # an extra day off on a Tuesday, and a Saturday worked in compensation
    assert client.put("/api/v1/calendar/2025-06-10", headers=admin, json={"kind": "day_off", "note": "Nghỉ bù"}
                      ).status_code == 200
    client.put("/api/v1/calendar/2025-06-14", headers=admin, json={"kind": "working_day"})
    client.put("/api/v1/calendar/2025-06-17", headers=admin, json={"kind": "day_off"})
    after = client.get("/api/v1/calendar?year=2025", headers=secretary).get_json()
    assert after["working_days"] == before - 1 and len(after["days"]) == 3
    # back to the default
    client.put("/api/v1/calendar/2025-06-17", headers=admin, json={"kind": None})
    assert client.get("/api/v1/calendar?year=2025", headers=secretary).get_json()["working_days"] == before
    assert client.put("/api/v1/calendar/2025-06-11", headers=secretary, json={"kind": "day_off"}).status_code == 403
    bad = client.put("/api/v1/calendar/2025-13-01", headers=admin, json={"kind": "day_off"})
    assert bad.status_code == 422 and "day" in bad.get_json()["error"]["details"]
