"""Search by a nominee's name without diacritics: "hoang van" finds "Hoàng Văn", đ folds to d, any
case; the same rows on SQLite and PostgreSQL (the folded column, compared with LIKE on both). The
folded column follows a rename, and migration 0011 fills it for rows written before it."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text

from tests.proposals.helpers import World
from tests.proposals.test_views import web
from workflow.folding import fold, fold_name
from workflow.org import services as org_services
from workflow.org.models import Nominee

NAMES = ["Hoàng Văn Thụ", "Đỗ Thị Hà", "Nguyễn Thị Ánh", "Hoàn Văn Bình", "Lê Đức Độ"]


@pytest.mark.parametrize(("text_", "folded"), [
    ("Hoàng Văn", "hoang van"), ("ĐỖ THỊ ĐÀO", "do thi dao"), ("Nguyễn Thị Ánh", "nguyen thi anh"),
    ("  Lưu   Ư ", "luu u"), ("hoang van", "hoang van"), ("", ""), (None, ""),
])
def test_fold(text_, folded):
    assert fold(text_) == folded


def test_a_household_is_found_by_its_head():
    assert fold_name("Hộ ông Lê Văn Tám", "Lê Văn Tám") == "ho ong le van tam"
    assert fold_name("Gia đình Tám", "Lê Văn Tám") == "gia dinh tam\nle van tam"


@pytest.fixture
def w(app, client, session):
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    world = World(client, session)
    world.ids = {}
    for name in NAMES:
        nominee_id = world.person(name)
        world.ids[name] = world.propose(nominee_id)["id"]
    world.nominees = {name: session.scalar(select(Nominee.id).where(Nominee.name == name)) for name in NAMES}
    return world


def _found(w, q: str) -> set[str]:
    response = w.client.get("/api/v1/proposals", query_string={"q": q}, headers=w.auth("secretary"))
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["total"] == len(answer["items"])
    return {item["nominee"]["name"] for item in answer["items"]}


@pytest.mark.parametrize(("q", "expected"), [
    ("hoang van", {"Hoàng Văn Thụ"}),          # no diacritics
    ("Hoàng Văn", {"Hoàng Văn Thụ"}),          # with them
    ("HOANG VAN THU", {"Hoàng Văn Thụ"}),      # upper case
    ("do thi", {"Đỗ Thị Hà"}),                 # đ is d
    ("Đỗ", {"Đỗ Thị Hà", "Lê Đức Độ"}),
    ("nguyen thi anh", {"Nguyễn Thị Ánh"}),
    ("NgUyỄn ThỊ aNh", {"Nguyễn Thị Ánh"}),    # mixed case and marks
    ("van", {"Hoàng Văn Thụ", "Hoàn Văn Bình"}),
    ("hoan van", {"Hoàn Văn Bình"}),            # not Hoàng Văn: "hoang van" does not contain "hoan van"
    ("thi  anh", {"Nguyễn Thị Ánh"}),          # runs of spaces
    ("%", set()),                              # a typed wildcard is a character, not "everything"
    ("_", set()),
    ("tran", set()),
])
def test_the_api_finds_names_with_or_without_diacritics(w, q, expected):
    assert _found(w, q) == expected


def test_the_screens_find_them_too(app, w):
    browser = web(app, "secretary", w)
    page = browser.get("/ho-so/", query_string={"q": "hoang van"}).get_data(as_text=True)
    assert f'data-testid="proposal-{w.ids["Hoàng Văn Thụ"]}"' in page
    assert f'data-testid="proposal-{w.ids["Hoàn Văn Bình"]}"' not in page
    page = browser.get("/doi-tuong/", query_string={"q": "do thi ha"}).get_data(as_text=True)
    assert "Đỗ Thị Hà" in page and "Lê Đức Độ" not in page
    nominator = web(app, "nominator", w)
    page = nominator.get("/ho-so/don-vi", query_string={"q": "NGUYEN"}).get_data(as_text=True)
    assert f'data-testid="proposal-{w.ids["Nguyễn Thị Ánh"]}"' in page
    assert f'data-testid="proposal-{w.ids["Đỗ Thị Hà"]}"' not in page


def test_the_folded_name_follows_a_rename(w, session):
    secretary = w.org["users"]["secretary"]
    nominee_id = w.nominees["Hoàng Văn Thụ"]
    org_services.update_nominee(session, session.merge(secretary), nominee_id, name="Trần Thị Tuyết")
    session.expire_all()
    assert session.get(Nominee, nominee_id).name_folded == "tran thi tuyet"
    assert _found(w, "tuyet") == {"Trần Thị Tuyết"}
    assert _found(w, "hoang van") == set()


def test_a_household_head_is_searchable(w, session):
    household = w.household("Hộ ông Đinh Công Tráng")
    w.propose(household, award="GDVH")
    response = w.client.get("/api/v1/proposals", query_string={"q": "dinh cong trang"}, headers=w.auth("secretary"))
    assert [item["nominee_id"] for item in response.get_json()["items"]] == [household]


def test_migration_0011_fills_the_folded_name_of_existing_rows(tmp_path):
    from workflow import create_app
    from workflow.extensions import db
    from workflow.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'before.sqlite'}"
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x" * 40,
                      "BROKER_URL": "memory://"})
    with app.app_context():
        upgrade("0010_scale_indexes")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO authority (id, code, name, kind, created_at) "
                              "VALUES (1, 'X-A', 'UBND xã A', 'commune', '2025-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO nominee (id, kind, name, authority_id, head_name, created_at) VALUES "
                              "(1, 'individual', 'Đặng Thùy Trâm', 1, NULL, '2025-01-01 00:00:00'), "
                              "(2, 'household', 'Hộ bà Hà', 1, 'Vũ Thị Hà', '2025-01-01 00:00:00')"))
        upgrade("head")
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, name_folded FROM nominee ORDER BY id")).all())
        db.engine.dispose()
    assert rows == {1: "dang thuy tram", 2: "ho ba ha\nvu thi ha"}


def test_postgresql_serves_the_search_from_the_trigram_index(backend, database_url):
    """The plan of the search (PostgreSQL only): the GIN trigram index, not a scan of the table —
    asked with sequential scans discouraged, as a large table would make the planner choose."""
    if backend != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    engine = create_engine(database_url)
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in conn.execute(text(
            "EXPLAIN SELECT id FROM nominee WHERE name_folded LIKE '%hoang van%'")))
    engine.dispose()
    assert "ix_nominee_name_folded" in plan, plan


def test_the_new_proposal_page_picks_a_nominee_without_diacritics(app, w):
    browser = web(app, "nominator", w)
    page = browser.get("/ho-so/moi", query_string={"round": w.round["id"], "unit": "DB-NATO", "kind": "individual",
                                                   "q": "nguyen thi"}).get_data(as_text=True)
    assert "Nguyễn Thị Ánh" in page and "Hoàng Văn Thụ" not in page
