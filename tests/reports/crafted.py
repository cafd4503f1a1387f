"""A crafted 2023 for the annual report: a province → district → two communes tree (vn-2017,
3-tier, the rules of the reference year) and proposals written with the history rows the workflow
writes for each path, so that every counting rule and every exclusion has its own case with a
known count. The paths through the real services are in test_workflow_paths.py."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests import factories as f
from workflow.catalog.models import AwardType, RuleSet
from workflow.org.models import AwardRecord, Nominee
from workflow.proposals.eligibility import snapshot
from workflow.proposals.models import Proposal, ProposalTransition, Round

YEAR = 2023


class Year:
    def __init__(self, session):
        self.session = session
        self.province = f.authority(session, "T-TN", "province", name="UBND tỉnh Thái Nguyên")
        self.district = f.authority(session, "H-DH", "district", self.province, name="UBND huyện Định Hóa")
        self.commune = f.authority(session, "X-DB", "commune", self.district, name="UBND xã Định Biên")
        self.other = f.authority(session, "X-KHAC", "commune", self.district, name="UBND xã Khác")
        self.hamlet = f.unit(session, self.commune, "DB-NATO", name="Xóm Nà To")
        self.other_hamlet = f.unit(session, self.other, "KH-XOM", name="Xóm Khác")
        self.users = {
            "thuky": f.user(session, "secretary", self.commune, username="thuky"),
            "chutich": f.user(session, "chair", self.commune, username="chutich"),
            "truongxom": f.user(session, "nominator", self.commune, self.hamlet, username="truongxom"),
            "uyvien": f.user(session, "council_member", self.commune, username="uyvien"),
            "huyen_thuky": f.user(session, "secretary", self.district, username="huyen_thuky"),
            "tinh_thuky": f.user(session, "secretary", self.province, username="tinh_thuky"),
            "khac_thuky": f.user(session, "secretary", self.other, username="khac_thuky"),
            "tinh_admin": f.user(session, "admin", self.province, username="tinh_admin"),
        }
        rule_set = session.scalar(select(RuleSet).where(RuleSet.code == "vn-2017"))
        self.rules = {t.code: snapshot(t, rule_set) for t in
                      session.scalars(select(AwardType).where(AwardType.rule_set_id == rule_set.id))}
        self.rounds = {}
        self.n = 0

    def round(self, authority, year=YEAR) -> Round:
        key = (authority.id, year)
        if key not in self.rounds:
            r = Round(authority_id=authority.id, year=year, kind="annual", title=f"Năm {year}",
                      nomination_deadline=date(year, 11, 30))
            self.session.add(r)
            self.session.flush()
            self.rounds[key] = r
        return self.rounds[key]

    def make(self, award: str, steps: list[tuple[str, str, object]], *, kind="individual", authority=None,
             year=YEAR, current=None) -> Proposal:
        """A proposal of ``authority`` (the commune) whose history is ``steps``: (event, new state,
        the authority it was fired at); its state is the last step's."""
        authority = authority or self.commune
        self.n += 1
        unit = self.hamlet if authority is self.commune else self.other_hamlet
        nominee = Nominee(kind=kind, name=f"Đối tượng {self.n}", authority_id=authority.id, unit_id=unit.id,
                          head_name=f"Chủ hộ {self.n}" if kind == "household" else None)
        self.session.add(nominee)
        self.session.flush()
        state = steps[-1][1] if steps else "draft"
        p = Proposal(round_id=self.round(authority, year).id, nominee_id=nominee.id, award_type_code=award,
                     unit_id=unit.id, origin_authority_id=authority.id,
                     current_authority_id=(current or authority).id, state=state, rule_set_code="vn-2017",
                     award_rule=self.rules[award], reason="Lý do" if state in ("rejected", "revoked") else None)
        self.session.add(p)
        self.session.flush()
        before = "draft"
        for event, to_state, at in steps:
            self.session.add(ProposalTransition(proposal_id=p.id, event=event, from_state=before, to_state=to_state,
                                                actor_name="thuky", authority_id=at.id, data={}))
            before = to_state
        self.session.flush()
        return p

    # --- the paths -----------------------------------------------------------------------------------
    def reviewed(self, at) -> list:
        return [("submit", "submitted", at), ("accept", "under_review", at)]

    def recommended(self, at) -> list:
        return self.reviewed(at) + [("schedule", "in_council", at), ("pass", "recommended", at)]

    def decided_here(self, award, at=None, **kw) -> Proposal:
        at = at or self.commune
        return self.make(award, self.recommended(at) + [("decide", "awarded", at)], authority=at, **kw)

    def forwarded_in_system(self, award, **kw) -> Proposal:
        """Sent by the commune's submission to the district (in the system): submitted there."""
        return self.make(award, self.recommended(self.commune) + [("forward", "submitted", self.commune)],
                         current=self.district, **kw)

    def forwarded_on_paper(self, award, **kw) -> Proposal:
        return self.make(award, self.recommended(self.commune) + [("forward", "forwarded", self.commune)], **kw)


def build(session) -> Year:
    """The crafted year; the expected reports are in test_counting.py."""
    y = Year(session)
    c, d, t = y.commune, y.district, y.province
    # --- awarded at the commune ------------------------------------------------------------------
    for _ in range(3):
        y.decided_here("LDTT")
    for _ in range(2):
        y.decided_here("GK_XA", kind="collective")
    for _ in range(3):
        y.decided_here("GK_XA")
    y.decided_here("GK_XA", kind="household")
    for _ in range(4):
        y.decided_here("GDVH_TIEU_BIEU", kind="household")
    # --- exclusions at the commune ---------------------------------------------------------------
    y.make("LDTT", y.recommended(c) + [("decide", "awarded", c), ("revoke", "revoked", c)])  # revoked
    y.make("LDTT", y.reviewed(c) + [("schedule", "in_council", c), ("fail", "not_recommended", c)])  # council failed
    y.make("LDTT", y.reviewed(c) + [("withdraw", "withdrawn", c)])  # withdrawn
    y.make("GK_XA", y.reviewed(c) + [("reject", "rejected", c)])  # rejected
    y.make("LDTT", y.recommended(c))  # recommended, not decided yet: nothing to count
    y.decided_here("LDTT", year=YEAR - 1)  # another year
    y.decided_here("LDTT", year=YEAR + 1)
    y.decided_here("LDTT", at=y.other)  # another commune's award
    y.decided_here("GK_XA", at=y.other, kind="collective")
    for n in y.session.scalars(select(Nominee).where(Nominee.authority_id == c.id).limit(5)):
        # past awards entered by hand (and one written by a decision of an older year): eligibility only
        y.session.add(AwardRecord(nominee_id=n.id, award_type_code="LDTT", year=YEAR, decision_number=f"{n.id}/QĐ-UB",
                                  source="manual"))
    # --- proposed to the province -----------------------------------------------------------------
    # a Bằng khen tỉnh through the district (in-system both steps): it sits at the province now
    y.make("BK_TINH", y.recommended(c) + [("forward", "submitted", c), ("accept", "under_review", d),
                                          ("schedule", "in_council", d), ("pass", "recommended", d),
                                          ("forward", "submitted", d)], current=t)
    y.forwarded_on_paper("BK_TINH", kind="collective")  # waits for the paper answer
    # the province's paper answer recorded at the commune: the province's award, not the commune's
    y.make("BK_TINH", y.recommended(c) + [("forward", "forwarded", c), ("record_outcome", "awarded", c)])
    y.make("BK_TINH", y.recommended(c) + [("forward", "forwarded", c), ("record_outcome", "rejected", c)])
    # --- proposed to the district -----------------------------------------------------------------
    y.forwarded_in_system("CSTDCS")  # waits at the district
    y.make("CSTDCS", y.recommended(c) + [("forward", "submitted", c), ("accept", "under_review", d),
                                         ("schedule", "in_council", d), ("pass", "recommended", d),
                                         ("decide", "awarded", d)], current=d)  # the district's award
    y.make("GK_HUYEN", y.recommended(c) + [("forward", "submitted", c), ("record_outcome", "awarded", d)],
           current=d)  # the district answered the submission in-system: its award
    # the district sent one back for changes: it sits at the commune again, not proposed until re-sent
    y.make("CSTDCS", y.recommended(c) + [("forward", "submitted", c), ("record_outcome", "recommended", d)])
    y.make("CSTDCS", y.recommended(c) + [("forward", "submitted", c), ("withdraw", "withdrawn", d)], current=d)
    y.make("CSTDCS", y.recommended(c) + [("forward", "submitted", c), ("reject", "rejected", d)], current=d)
    # the other commune's proposal to the district is the other commune's
    y.make("CSTDCS", y.recommended(y.other) + [("forward", "submitted", y.other)], authority=y.other, current=d)
    y.session.commit()
    return y
