def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
