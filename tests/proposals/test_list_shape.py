"""The proposal list (``GET /api/v1/proposals``) after its speed work (issue 12): every role reads
exactly the rows the scoping rule gives, with the total, order, allowed events and state labels each
row has on its own (the slow path, asked row by row); the statements of a list do not grow with its
page size, and a signed-in call pays one statement for its token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from tests import factories as f
from tests.proposals.rows import history_row, proposal_in_state, rule_for
from workflow import vntime
from workflow.catalog.models import AwardType
from workflow.decisions.models import Submission, SubmissionItem
from workflow.extensions import db
from workflow.org.models import Authority, User
from workflow.org.policies import subtree_ids
from workflow.org.vocab import Role
from workflow.proposals import policies, states
from workflow.proposals.models import Proposal, Round

READERS = {Role.SECRETARY, Role.CHAIR, Role.COUNCIL_MEMBER, Role.HIGHER_REVIEWER, Role.ADMIN}


def _round(session, authority, year):
    row = Round(authority_id=authority.id, year=year, kind="annual", title=f"Năm {year}",
                nomination_deadline=vntime.today() + timedelta(days=30))
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def world(session):
    """Province T-TN → district H-DH → communes X-DB (hamlet DB-NATO) and X-KH (hamlet KH-1), with
    proposals of commune, district and province awards in many states at both communes, some sent
    up to the district (history there), and a reader of each kind at each level."""
    org = f.commune_setup(session)
    other = f.authority(session, "X-KH", "commune", org["district"], name="UBND xã Kim Hòa")
    other_hamlet = f.unit(session, other, "KH-1", name="Xóm Kim Một")
    users = dict(org["users"])
    users.update(
        province_secretary=f.user(session, "secretary", org["province"], username="tinh_thuky"),
        province_reviewer=f.user(session, "higher_reviewer", org["province"], username="tinh_xetduyet"),
        district_secretary=f.user(session, "secretary", org["district"], username="huyen_thuky"),
        district_chair=f.user(session, "chair", org["district"], username="huyen_chutich"),
        district_admin=f.user(session, "admin", org["district"], username="huyen_quantri"),
        other_secretary=f.user(session, "secretary", other, username="thuky_kh"),
        other_nominator=f.user(session, "nominator", other, other_hamlet, username="truongxom_kh"))
    year = vntime.this_year()
    at = vntime.now() - timedelta(days=40)
    made = 0
    for commune, hamlet in ((org["commune"], org["hamlet"]), (other, other_hamlet)):
        round_ = _round(session, commune, year)
        for award in ("LDTT", "GK_HUYEN", "CSTD_TINH"):
            try:
                rule = rule_for(session, commune, award)
            except StopIteration:  # not in this rule set: the others still cover the levels
                continue
            for state in ("draft", "submitted", "under_review", "public_notice", "recommended", "returned",
                          "forwarded", "awarded", "rejected"):
                p = proposal_in_state(session, round_=round_, unit=hamlet, state=state, award=award, rule=rule)
                made += 1
                p.updated_at = at + timedelta(minutes=made * 7 % 50)  # ties and a shuffled order
                if state != "draft":
                    history_row(session, p, "submit", "draft", "submitted", at)
                if state in ("forwarded", "awarded"):  # sent up: now at the district, handled there
                    p.current_authority_id = org["district"].id
                    session.flush()
                    history_row(session, p, "receive", "forwarded", state, at)
    session.commit()
    assert made >= 18
    return {**org, "other": other, "users": users}


def _subtree(session, root_id: int) -> set[int]:
    children: dict = {}
    for a in session.scalars(select(Authority)):
        children.setdefault(a.parent_id, []).append(a.id)
    seen, todo = {root_id}, [root_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _readable(session, user: User, p: Proposal) -> bool:
    """The scoping rule (``queries.scope_clause``'s docstring), asked of one row in Python."""
    if user.is_deployment_admin:
        return True
    sent_to = set(session.scalars(select(Submission.to_authority_id).join(SubmissionItem)
                                  .where(SubmissionItem.proposal_id == p.id, Submission.status == "sent")))
    levels = {t.deciding_level for t in session.scalars(select(AwardType).where(AwardType.code == p.award_type_code))}
    for r in user.roles:
        if r.role == Role.NOMINATOR and r.unit_id == p.unit_id:
            return True
        if r.role in READERS and r.authority_id is not None:
            if r.authority_id in (p.origin_authority_id, p.current_authority_id) or r.authority_id in sent_to:
                return True
            if any(t.authority_id == r.authority_id for t in p.history):
                return True
            if (p.state != "draft" and r.authority.kind in levels
                    and p.origin_authority_id in _subtree(session, r.authority_id)):
                return True
        if r.role == Role.ADMIN and r.authority_id is not None:
            below = _subtree(session, r.authority_id)
            if p.origin_authority_id in below or p.current_authority_id in below:
                return True
    return False


def _list(client, headers, **query) -> dict:
    response = client.get("/api/v1/proposals", query_string=query, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("who", ["admin", "secretary", "chair", "nominator", "council_member", "higher_reviewer",
                                 "province_secretary", "province_reviewer", "district_secretary",
                                 "district_chair", "district_admin", "other_secretary", "other_nominator"])
def test_each_role_lists_what_the_rule_gives_with_each_rows_own_answers(app, client, session, world, who):
    user = world["users"][who]
    headers = f.token(client, user.username)
    user = session.get(User, user.id)
    everything = list(session.scalars(select(Proposal).order_by(Proposal.updated_at.desc(), Proposal.id.desc())))
    expected = [p for p in everything if _readable(session, user, p)]
    body = _list(client, headers, per_page=500)
    assert [item["id"] for item in body["items"]] == [p.id for p in expected]
    assert body["total"] == len(expected) and body["page"] == 1
    by_id = {p.id: p for p in expected}
    for item in body["items"]:
        p = by_id[item["id"]]
        # the slow path: each row's events and label asked on their own, nothing shared
        assert item["allowed_events"] == [e for e in states.allowed_events(p.state)
                                          if e not in states.INTERNAL_EVENTS and policies.can_fire(user, p, e)]
        with app.test_request_context(), force_locale(user.locale):
            assert item["state_label"] == str(states.state_label(p.state, p.rule))
        detail = client.get(f"/api/v1/proposals/{p.id}", headers=headers).get_json()
        assert {k: detail[k] for k in item} == item  # the list's row is the detail's, less the detail's extras
    # the pages, two rows each, are that list cut in order, each with the same total
    paged, page = [], 1
    while True:
        cut = _list(client, headers, per_page=2, page=page)
        assert cut["total"] == len(expected)
        if not cut["items"]:
            break
        paged += [item["id"] for item in cut["items"]]
        page += 1
    assert paged == [p.id for p in expected]
    # a filter narrows the same set
    submitted = _list(client, headers, state="submitted,recommended", per_page=500)
    assert [i["id"] for i in submitted["items"]] == [p.id for p in expected if p.state in ("submitted", "recommended")]


def test_the_province_reads_its_deciding_level_from_the_whole_subtree(client, session, world):
    """The wide scope's branch (its award types from its subtree, no drafts) is there at all: the
    province's secretary reads the province awards of both communes, never their drafts."""
    ids = {i["id"] for i in _list(client, f.token(client, "tinh_thuky"), per_page=500)["items"]}
    rows = list(session.scalars(select(Proposal).where(Proposal.award_type_code == "CSTD_TINH")))
    if not rows:
        pytest.skip("no province award in the rule set")
    assert {p.id for p in rows if p.state != "draft"} <= ids
    assert not {p.id for p in rows if p.state == "draft"} & ids


def _statements(app, call) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):  # the tests' nesting
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.get_json()
    return len(seen)


@pytest.mark.parametrize("who", ["secretary", "nominator", "province_secretary", "district_admin", "admin"])
def test_a_lists_statements_do_not_grow_with_its_page(app, client, world, who):
    headers = f.token(client, world["users"][who].username)
    small = _statements(app, lambda: client.get("/api/v1/proposals?per_page=2", headers=headers))
    large = _statements(app, lambda: client.get("/api/v1/proposals?per_page=500", headers=headers))
    assert small == large
    assert large <= 7  # the token, the scope's subtrees and codes, the page with its total


def test_a_signed_in_call_pays_one_statement_for_its_token(app, client, world):
    headers = f.token(client, "thuky")
    assert _statements(app, lambda: client.get("/api/v1/auth/me", headers=headers)) == 1


def test_subtree_ids_is_the_root_and_everything_below_it(session, world):
    for a in session.scalars(select(Authority)):
        assert subtree_ids(session, a.id) == _subtree(session, a.id)
    assert subtree_ids(session, 10**9) == {10**9}  # an id nothing hangs under: itself, as before


@pytest.mark.parametrize("who", ["secretary", "nominator", "province_secretary", "province_reviewer",
                                 "district_admin", "admin"])
def test_the_cursor_pages_are_the_list_cut_in_order(client, world, who):
    """Keyset paging (``cursor``): from ``""``, each answer's ``next_cursor`` gives the next rows,
    together exactly the list of every row; only the first page is counted."""
    headers = f.token(client, world["users"][who].username)
    whole = _list(client, headers, per_page=500)
    assert whole["total"] > 2 and "next_cursor" not in whole  # the page-number answer as before
    first = _list(client, headers, per_page=2, cursor="")
    assert first["total"] == whole["total"] and first["items"] == whole["items"][:2]
    seen, cursor, pages = [], "", 0
    while cursor is not None:
        cut = _list(client, headers, per_page=2, cursor=cursor)
        assert cut["total"] == (whole["total"] if pages == 0 else None)
        assert len(cut["items"]) <= 2
        seen += cut["items"]
        cursor, pages = cut["next_cursor"], pages + 1
        assert pages <= whole["total"]
    assert seen == whole["items"]  # the same rows, in order, each once, with the same JSON


def test_a_cursor_past_rows_that_moved_still_answers_in_order(client, session, world):
    """A row updated between two pages moves to the front: the next page starts after the last row
    read, with neither a row twice nor a gap among the rows that stayed."""
    headers = f.token(client, "thuky")
    first = _list(client, headers, per_page=3, cursor="")
    moved = session.get(Proposal, first["items"][0]["id"])
    moved.updated_at = vntime.now()
    session.commit()
    rest = []
    cursor = first["next_cursor"]
    while cursor is not None:
        cut = _list(client, headers, per_page=3, cursor=cursor)
        rest += [i["id"] for i in cut["items"]]
        cursor = cut["next_cursor"]
    whole = [i["id"] for i in _list(client, headers, per_page=500)["items"]]
    assert rest == [i for i in whole if i not in {item["id"] for item in first["items"]}]


@pytest.mark.parametrize("cursor", ["garbage", "MTIz", "x" * 101, "LTEuMA", "MTAwLjA"])
def test_a_cursor_that_is_not_one_is_refused(client, world, cursor):
    response = client.get("/api/v1/proposals", query_string={"cursor": cursor}, headers=f.token(client, "thuky"))
    assert response.status_code == 422
    assert "cursor" in response.get_json()["error"]["details"]
