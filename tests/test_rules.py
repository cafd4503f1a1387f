"""Rule sets: every legal number in data files, chosen by date or override, validated on load."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from workflow.catalog.models import AwardType, RuleSet
from workflow.catalog.services import (
    RuleSetFileError,
    load_rule_sets,
    read_rule_file,
    rule_files,
    rule_set_for,
)


def test_every_period_loads(session):
    sets = session.scalars(select(RuleSet).order_by(RuleSet.effective_from, RuleSet.code)).all()
    by_kind = {kind: [r.code for r in sets if r.kind == kind] for kind in ("period", "transition", "overlay")}
    assert by_kind == {"period": ["vn-2017", "vn-2024", "vn-2025", "vn-2026"], "transition": ["vn-2025-nd98"],
                       "overlay": ["vn-2025+bac-ninh"]}


@pytest.mark.parametrize("day,expected", [
    (date(2023, 12, 31), "vn-2017"), (date(2024, 1, 1), "vn-2024"), (date(2025, 6, 30), "vn-2024"),
    # a province without its own rule keeps NĐ 98's criteria until 2025-12-31 (NĐ 152 Art 60(2))
    (date(2025, 7, 1), "vn-2025-nd98"), (date(2025, 12, 31), "vn-2025-nd98"),
    (date(2026, 1, 1), "vn-2025"), (date(2026, 9, 30), "vn-2025"), (date(2026, 10, 1), "vn-2026"),
])
def test_chosen_by_date(session, day, expected):
    commune = f.authority(session, "X1", "commune")
    assert rule_set_for(session, commune, day).code == expected


def test_authority_override_and_inheritance(session):
    province = f.authority(session, "T1", "province", rule_set="vn-2025")
    commune = f.authority(session, "X1", "commune", province)
    # a province that moved to 2-tier rules early: its communes follow it, whatever the date
    assert rule_set_for(session, commune, date(2024, 5, 1)).code == "vn-2025"


def test_a_province_overlay_governs_its_communes_from_its_day(session):
    province = f.authority(session, "T-BN", "province", rule_set="vn-2025+bac-ninh")
    commune = f.authority(session, "X-BN", "commune", province)
    hamlet_commune = f.authority(session, "X-BN2", "commune", province)
    assert rule_set_for(session, commune, date(2025, 11, 1)).code == "vn-2025+bac-ninh"
    assert rule_set_for(session, hamlet_commune, date(2026, 3, 1)).code == "vn-2025+bac-ninh"
    # before the province's rule took effect, the national rules of the day
    assert rule_set_for(session, commune, date(2025, 8, 1)).code == "vn-2025-nd98"
    # after its period ended, the next national period
    assert rule_set_for(session, commune, date(2026, 10, 1)).code == "vn-2026"


def test_reload_is_idempotent(session):
    before = session.scalar(select(func.count(AwardType.id)))
    assert load_rule_sets(session) == []
    assert session.scalar(select(func.count(AwardType.id))) == before


def test_admin_edit_survives_reload(session, tmp_path):
    import shutil

    for p in rule_files():
        shutil.copy(p, tmp_path / p.name)
    ldtt = session.scalar(select(AwardType).join(RuleSet).where(RuleSet.code == "vn-2024", AwardType.code == "LDTT"))
    ldtt.name_vi, ldtt.edited = "Tên do quản trị sửa", True
    session.commit()
    original = (tmp_path / "vn-2024.toml").read_text()
    text = original.replace("returned_reminder_days = 5", "returned_reminder_days = 6")
    assert text != original  # the file really changed, so the reload really runs
    (tmp_path / "vn-2024.toml").write_text(text)
    assert "vn-2024" in load_rule_sets(session, tmp_path)
    session.commit()
    session.refresh(ldtt)
    assert ldtt.name_vi == "Tên do quản trị sửa"


@pytest.mark.parametrize("mutate,field", [
    (lambda t: t.replace('threshold = "1/2"', 'threshold = "3/2"', 1), "defaults.ballot.threshold"),
    (lambda t: t.replace('deciding_level = "commune"', 'deciding_level = "hamlet"', 1), "award_types.0.deciding_level"),
    (lambda t: t.replace('nominee_kinds = ["individual"]', 'nominee_kinds = ["robot"]', 1), "award_types.0.nominee_kinds.0"),
    (lambda t: t.replace('award = ["LDTT"]', 'award = ["NOPE"]', 1), "file"),
    (lambda t: t.replace("processing_days = 20", "processing_days = -1", 1), "defaults.processing_days"),
    (lambda t: t + "\nsurprise = 1\n", "award_types.8.surprise"),
    (lambda t: t.replace("[defaults]", "[defaults", 1), "file"),
])
def test_malformed_rule_file_writes_nothing(session, tmp_path, mutate, field):
    import shutil

    for p in rule_files():
        shutil.copy(p, tmp_path / p.name)
    path = tmp_path / "vn-2024.toml"
    path.write_text(mutate(path.read_text()))
    session.execute(AwardType.__table__.delete())
    session.execute(RuleSet.__table__.delete())
    session.commit()
    with pytest.raises(RuleSetFileError) as info:
        load_rule_sets(session, tmp_path)
    session.rollback()
    assert field in info.value.details, info.value.details
    assert "vn-2024" in info.value.message
    assert session.scalar(select(func.count(RuleSet.id))) == 0


def test_no_legal_number_in_code():
    """Thresholds, caps and days live in the rule files: the code never spells them."""
    import pathlib
    import re

    suspicious = re.compile(r"(0\.9\b|\b90 ?%|15 ?%|\b2/3\b|Fraction\(2, 3\)|Fraction\(9, 10\))")
    hits = []
    for path in pathlib.Path("workflow").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if suspicious.search(line) and not line.lstrip().startswith("#"):
                hits.append(f"{path}:{n}: {line.strip()}")
    assert not hits, hits


def test_files_parse_standalone():
    for path in rule_files():
        spec = read_rule_file(path)
        assert spec.award_types and spec.legal_basis
