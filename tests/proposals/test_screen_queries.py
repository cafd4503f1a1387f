"""The list screens read their rows through ``screen_queries`` (plain columns), the JSON list and the
export through ``queries.list_proposals`` (ORM rows): for every user and filter, both give the same
proposals in the same order, page by page, with the same total; and a row names its award as
``screen.award_names`` does, whatever its snapshot holds."""

from __future__ import annotations

import re

import pytest

from tests.proposals.rows import proposal_in_state, rule_for
from tests.proposals.test_views import web
from tests.test_list_filters import rows, w  # noqa: F401  (the fixtures)
from workflow.locales import award_name
from workflow.proposals import queries, screen_queries
from workflow.proposals.choices import rules_in_force
from workflow.proposals.models import Round

FILTERS = [
    {}, {"state": "draft"}, {"state": "submitted,draft"}, {"year": 2024}, {"year": 2025, "award_type": "LDTT"},
    {"award_type": "GK_XA"}, {"unit": "DB-KHAU"}, {"unit": ["DB-NATO", "DB-KHAU"]}, {"authority": "X-DB"},
    {"q": "hoang van"}, {"q": "Đỗ"}, {"at_authority": ["X-DB"]}, {"state": "submitted", "at_authority": "X-DB"},
]


def _both(session, user, page, per_page, oldest_first, **filters):
    items, total = queries.list_proposals(session, user, page=page, per_page=per_page, oldest_first=oldest_first,
                                          **filters)
    page_of = screen_queries.inbox_page if oldest_first else screen_queries.list_page
    found, found_total = page_of(session, user, name_key="name_vi", page=page, per_page=per_page, **filters)
    return ([p.id for p in items], total), ([r.id for r in found], found_total)


@pytest.mark.parametrize("who", ["secretary", "nominator", "higher_reviewer", "admin", "council_member"])
@pytest.mark.parametrize("oldest_first", [False, True])
def test_the_screens_rows_are_the_lists_rows(w, rows, session, who, oldest_first):  # noqa: F811
    user = w.org["users"][who]
    seen_any = False
    for filters in FILTERS:
        for page in (1, 2, 3, 9):
            expected, found = _both(session, user, page, 2, oldest_first, **filters)
            assert found == expected, (who, filters, page)
            seen_any = seen_any or bool(expected[0])
    # the commune's users read rows (the comparison compared some); the district nothing yet (no
    # proposal was sent up to it): the same empty list both ways
    assert seen_any == (who != "higher_reviewer")


def test_the_inbox_without_its_scope_is_the_inbox_with_it(w, rows, session):  # noqa: F811
    """What is now at a secretary's authority is in their scope: the inbox leaves the scope out."""
    user = w.org["users"]["secretary"]
    assert screen_queries.inbox_scope(session, user) is None
    for filters in ({}, {"state": "submitted,draft"}, {"q": "Ma"}):
        with_scope = screen_queries.inbox_page(session, user, name_key="name_vi", page=1, per_page=10,
                                               at_authority=["X-DB"], **filters)
        without = screen_queries.inbox_page(session, user, name_key="name_vi", page=1, per_page=10,
                                            at_authority=["X-DB"], clause=None, **filters)
        assert [r.id for r in without[0]] == [r.id for r in with_scope[0]] and without[1] == with_scope[1]
        assert with_scope[1] > 0


def _row_award(html: str, pid: int) -> str:
    block = html.split(f'data-testid="proposal-{pid}"', 1)[1].split("</li>", 1)[0]
    return re.search(r'<div class="small">([^<]*)</div>', block).group(1)


def test_a_row_names_its_award_whatever_its_snapshot_holds(app, session, w):  # noqa: F811
    """The snapshot's name once received; the code when the snapshot has no name; the rule set in
    force when there is no snapshot (a draft, or a received row whose snapshot is empty)."""
    commune, hamlet = w.org["commune"], w.org["hamlet"]
    round_ = session.get(Round, w.round["id"])
    code, rule = rule_for(session, commune, "LDTT")
    renamed = {**rule, "name_vi": "Tên trong hồ sơ đã nhận"}
    nameless = {k: v for k, v in rule.items() if k not in ("name_vi", "name_en")}
    made = {
        "renamed": proposal_in_state(session, round_=round_, unit=hamlet, state="under_review", rule=(code, renamed)),
        "nameless": proposal_in_state(session, round_=round_, unit=hamlet, state="under_review", rule=(code, nameless)),
        "empty": proposal_in_state(session, round_=round_, unit=hamlet, state="under_review", rule=(code, {})),
        "draft": proposal_in_state(session, round_=round_, unit=hamlet, state="draft", award="GK_XA"),
    }
    session.commit()
    in_force = rules_in_force(session, commune)
    html = web(app, "thuky").get("/ho-so/").get_data(as_text=True)
    assert _row_award(html, made["renamed"].id) == "Tên trong hồ sơ đã nhận"
    assert _row_award(html, made["nameless"].id) == "LDTT"
    assert _row_award(html, made["empty"].id) == award_name(in_force["LDTT"], "LDTT", "vi")
    assert _row_award(html, made["draft"].id) == award_name(in_force["GK_XA"], "GK_XA", "vi")
    assert award_name(in_force["GK_XA"], "GK_XA", "vi") != "GK_XA"  # the rule set in force named it
