"""The minutes, read back with python-docx, state for each item the denominator and what it is
taken over, how many voted in person, in writing, how many were recused, and the rule's source."""

from __future__ import annotations

import io

import docx

from tests.council.helpers import MEMBERS
from tests.council.test_tally import edit_ballot_rule
from workflow.proposals.models import Proposal


def minutes_text(c, mid: int) -> str:
    response = c.call("secretary", "GET", f"/api/v1/meetings/{mid}/minutes?format=docx", expect=200)
    document = docx.Document(io.BytesIO(response.data))
    return " ".join(" ".join(p.text for p in document.paragraphs).split())


def test_minutes_state_the_denominator_the_written_votes_and_the_recusals(c, session):
    tinh = c.cstd_tinh(name="Nông Thị Tỉnh", username="uyvien")  # uyvien, present, is the nominee
    edit_ballot_rule(session, tinh, source="NĐ 98/2023, Điều 30 khoản 7")
    present, absent = MEMBERS[:7], MEMBERS[7:]
    mid = c.meeting([tinh], present=present, written={tinh: {"yes": 2, "no": 0}}, voters=absent, open_=True)
    c.votes(mid, {u: {tinh: "yes"} for u in present if u != "uyvien"})
    row = c.item(c.close(mid)["results"], tinh)
    assert (row["yes"], row["denominator"], row["in_person"], row["in_writing"], row["recused_count"]) == (
        8, 9, 6, 2, 1)
    text = minutes_text(c, mid)
    assert ("Hồ sơ của Nông Thị Tỉnh: tỷ lệ tính trên 9 (tổng số thành viên Hội đồng, kể cả thành viên vắng "
            "mặt và không tham gia biểu quyết); biểu quyết trực tiếp: 6; bằng văn bản: 2; không tham gia "
            "biểu quyết: 1; căn cứ: NĐ 98/2023, Điều 30 khoản 7.") in text
    assert "Thành viên vắng mặt gửi phiếu bằng văn bản" in text


def test_minutes_name_the_rule_set_when_the_rule_has_no_source(c, session):
    pid = c.under_review(1)[0]
    edit_ballot_rule(session, pid, denominator="present_members", source=None)
    mid = c.meeting([pid], present=MEMBERS[:6], open_=True)
    c.votes(mid, {u: {pid: "yes"} for u in MEMBERS[:6]})
    c.close(mid)
    text = minutes_text(c, mid)
    code = session.get(Proposal, pid).rule_set_code
    assert code  # the rule set in force at accept
    assert "tỷ lệ tính trên 6 (số thành viên tham gia biểu quyết); biểu quyết trực tiếp: 6; bằng văn bản: 0" in text
    assert f"căn cứ: {code}." in text
