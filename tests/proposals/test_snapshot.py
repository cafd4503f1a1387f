"""The typed award rule snapshot, the one evidence module and the screens' event payloads."""

from datetime import date

from workflow.locales import award_name
from workflow.proposals import event_data, evidence
from workflow.proposals.snapshot import AwardRule, rule_of

STORED = {  # a snapshot as eligibility.snapshot writes it (vn-2017, LĐTT), plus a key unknown today
    "code": "LDTT", "name_vi": "Lao động tiên tiến", "name_en": "Advanced Worker", "kind": "title",
    "nominee_kinds": ["individual"], "deciding_level": "commune", "council_vote": True,
    "ballot": {"method": "secret", "threshold": "1/2", "strict": True, "denominator": "total_members"},
    "quorum": "2/3", "processing_days": 20, "cash_coefficient": {"individual": 0.3},
    "levels": ["commune", "district", "province"], "some_future_key": [1, 2],
}


class _Row:
    def __init__(self, award_rule):
        self.award_rule = award_rule


def test_a_stored_snapshot_reads_typed_and_keeps_unknown_keys():
    rule = AwardRule.read(STORED)
    assert rule.code == "LDTT" and rule.kind == "title" and rule.council_vote is True
    assert rule.ballot.method == "secret" and not rule.show_of_hands and rule.ballot_method == "secret"
    assert rule.quorum == "2/3" and rule.processing_days == 20 and rule.cash_coefficient == {"individual": 0.3}
    assert award_name(rule, rule.code, "en") == "Advanced Worker" and award_name(rule, rule.code, "vi") == "Lao động tiên tiến"
    assert rule.model_extra == {"some_future_key": [1, 2]}


def test_an_old_sparse_snapshot_reads_with_the_defaults_the_code_assumed():
    rule = AwardRule.read({"code": "GDVH", "council_vote": False})
    assert rule.ballot is None and rule.ballot_method == "secret" and not rule.takes_written_votes
    assert rule.evidence is None and rule.notice_days == 0 and rule.legal_basis == [] and rule.kind is None
    assert award_name(rule, rule.code, "en") == "GDVH"
    assert AwardRule.read(None) is None and AwardRule.read({}) is None


def test_the_accessor_reads_once_per_stored_value():
    row = _Row(dict(STORED))
    first = rule_of(row)
    assert rule_of(row) is first
    row.award_rule = {"code": "CSTDCS"}  # a new snapshot (apply_rule_set) is read again
    assert rule_of(row).code == "CSTDCS"
    row.award_rule = None
    assert rule_of(row) is None


def test_evidence_has_one_stored_shape():
    stored = evidence.as_json(date(2026, 11, 5), 40, 35, 30, date(2026, 11, 6), date(2026, 11, 15))
    assert stored == {"meeting": {"held_on": "2026-11-05", "invited": 40, "present": 35, "agreed": 30},
                      "notice": {"from": "2026-11-06", "to": "2026-11-15"}}
    body = evidence.EvidenceIn.model_validate(stored)
    assert body.as_json() == stored
    recorded = evidence.read(stored)
    assert (recorded.invited, recorded.present, recorded.agreed, recorded.notice_days) == (40, 35, 30, 10)
    assert evidence.read({"meeting": {"invited": 3}}) is None and evidence.read(None) is None
    assert evidence.read_fields(stored)["notice_to"] == date(2026, 11, 15)
    assert evidence.read_fields({"meeting": {"held_on": "not a date"}})["held_on"] is None


def test_a_screen_sends_only_what_the_event_takes():
    values = {"reason": "Trùng hồ sơ", "days": 7, "outcome": "approved", "decision_number": "12/QĐ-UBND",
              "decision_date": date(2026, 12, 1)}
    assert event_data.pick("reject", values) == {"reason": "Trùng hồ sơ"}
    assert event_data.pick("publish", values) == {"days": 7}
    assert event_data.pick("record_outcome", values) == {
        "outcome": "approved", "decision_number": "12/QĐ-UBND", "decision_date": "2026-12-01", "reason": "Trùng hồ sơ"}
    assert event_data.pick("accept", values) == {}
    assert event_data.pick("reject", {"reason": "", "days": None}) == {}
