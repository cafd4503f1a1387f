"""The catalogue of each period and of the example province overlay, as SPEC §3 reads — written
here from the specification's table, not from the files — and every legal number with its source.
Bad rule files are refused whole, naming the file and the key."""

from __future__ import annotations

import shutil
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from workflow.catalog.models import AwardType, RuleSet
from workflow.catalog.services import RuleSetFileError, load_rule_sets, read_rule_file, rule_files

# (rule set, award) → (deciding level, ballot (threshold, strict, denominator, written) or None for
# the period's default / no vote, cap (of, ratio) or None, cash {kind: coefficient})
ALL = "total_members"
CATALOGUE = {
    # vn-2017: NĐ 91/2017, 3-tier — what the 2023 reference report followed
    ("vn-2017", "LDTT"): ("commune", None, None, {"individual": 0.3}),
    ("vn-2017", "CSTDCS"): ("district", None, ("LDTT", Fraction(15, 100)), {"individual": 1.0}),
    ("vn-2017", "CSTD_TINH"): ("province", (Fraction(9, 10), False, ALL, True), None, {"individual": 3.0}),
    ("vn-2017", "GK_HUYEN"): ("district", None, None, None),
    ("vn-2017", "TTLDTT"): ("district", None, None, {"collective": 0.8}),
    ("vn-2017", "GDVH_TIEU_BIEU"): ("commune", None, ("GDVH", Fraction(15, 100)), None),
    ("vn-2017", "THON_VH"): ("district", None, None, None),
    # vn-2024: Law 06/2022, NĐ 98/2023, 3-tier
    ("vn-2024", "LDTT"): ("commune", None, None, {"individual": 0.3}),
    ("vn-2024", "CSTDCS"): ("district", (Fraction(8, 10), False, ALL, True), None, {"individual": 1.0}),
    ("vn-2024", "CSTD_TINH"): ("province", (Fraction(9, 10), False, ALL, True), None, {"individual": 3.0}),
    ("vn-2024", "GK_XA"): ("commune", None, None, {"individual": 0.3, "collective": 0.6, "household": 0.45}),
    ("vn-2024", "GK_HUYEN"): ("district", None, None, {"individual": 0.3, "collective": 0.6, "household": 0.45}),
    ("vn-2024", "BK_TINH"): ("province", None, None, {"individual": 1.5, "collective": 3.0, "household": 2.25}),
    ("vn-2024", "TTLDTT"): ("district", None, None, {"collective": 0.8}),
    ("vn-2024", "GDVH"): ("commune", None, None, {}),
    ("vn-2024", "THON_VH"): ("district", None, None, {"collective": 1.5}),
    # vn-2025: 2-tier, NĐ 152/2025 national defaults; the commune decides its awards
    ("vn-2025", "CSTDCS"): ("commune", (Fraction(1, 2), True, ALL, True), None, {"individual": 1.0}),
    ("vn-2025", "TTLDTT"): ("commune", None, None, {"collective": 0.8}),
    ("vn-2025", "THON_VH"): ("commune", None, None, {"collective": 1.5}),
    ("vn-2025", "GK_XA"): ("commune", None, None, {"individual": 0.3, "collective": 0.6, "household": 0.45}),
    ("vn-2025", "BK_TINH"): ("province", None, None, {"individual": 1.5, "collective": 3.0, "household": 2.25}),
    ("vn-2025", "GDVH"): ("commune", None, None, {}),
    # until 2025-12-31 without a province rule: NĐ 98's ≥ 80% of all members (NĐ 152 Art 60(2))
    ("vn-2025-nd98", "CSTDCS"): ("commune", (Fraction(8, 10), False, ALL, True), None, {"individual": 1.0}),
    ("vn-2025+bac-ninh", "CSTDCS"): ("commune", (Fraction(1, 2), True, ALL, True), None, {"individual": 1.0}),
    ("vn-2026", "CSTDCS"): ("commune", (Fraction(1, 2), True, ALL, True), None, {"individual": 1.0}),
    ("vn-2026", "KT_PHONG_TRAO_CHUYEN_DE"): ("commune", None, None, None),
    ("vn-2026", "KT_CHUYEN_DE"): ("commune", None, None, None),
}
# award types a period does not have
ABSENT = [("vn-2024", "GDVH_TIEU_BIEU"), ("vn-2025", "GDVH_TIEU_BIEU"), ("vn-2026", "GDVH_TIEU_BIEU"),
          ("vn-2025", "GK_HUYEN"), ("vn-2026", "GK_HUYEN"), ("vn-2025+bac-ninh", "GK_HUYEN"),
          ("vn-2024", "KT_CHUYEN_DE"), ("vn-2025", "KT_CHUYEN_DE")]
NO_CAP = [("vn-2024", "CSTDCS"), ("vn-2025", "CSTDCS"), ("vn-2025-nd98", "CSTDCS"), ("vn-2026", "CSTDCS")]


def _award(session, rule_set: str, code: str) -> AwardType | None:
    return session.scalar(select(AwardType).join(RuleSet).where(RuleSet.code == rule_set, AwardType.code == code))


@pytest.mark.parametrize(("rule_set", "code"), sorted(CATALOGUE))
def test_the_catalogue_as_the_spec_reads(session, rule_set, code):
    level, ballot, cap, cash = CATALOGUE[(rule_set, code)]
    award = _award(session, rule_set, code)
    assert award is not None, (rule_set, code)
    assert award.deciding_level == level
    if ballot is not None:
        rule = award.config["ballot"]
        assert (Fraction(rule["threshold"]), rule["strict"], rule["denominator"],
                rule.get("written_votes_of_absentees", False)) == ballot
    if cap is None:
        assert not award.config.get("cap")
    else:
        assert (award.config["cap"]["of_award"], Fraction(award.config["cap"]["ratio"])) == cap
    if cash is not None:
        assert award.config.get("cash_coefficient", {}) == cash


@pytest.mark.parametrize(("rule_set", "code"), ABSENT)
def test_what_a_period_does_not_have(session, rule_set, code):
    assert _award(session, rule_set, code) is None


@pytest.mark.parametrize(("rule_set", "code"), NO_CAP)
def test_no_cstdcs_cap_after_2023(session, rule_set, code):
    assert not _award(session, rule_set, code).config.get("cap")


def test_the_old_law_needs_an_initiative_and_the_new_one_does_not(session):
    assert _award(session, "vn-2017", "CSTDCS").config.get("initiative_required") is True
    assert not _award(session, "vn-2024", "CSTDCS").config.get("initiative_required")


def test_collective_and_household_rules(session):
    ttldtt = _award(session, "vn-2024", "TTLDTT").config
    assert (Fraction(ttldtt["min_members_ratio"]), ttldtt["min_members_strict"], ttldtt["no_discipline"]) == (
        Fraction(1, 2), True, True)  # more than half, nobody disciplined
    bac_ninh = _award(session, "vn-2025+bac-ninh", "TTLDTT").config
    assert (Fraction(bac_ninh["min_members_ratio"]), bac_ninh["min_members_strict"]) == (Fraction(7, 10), False)
    gdvh = _award(session, "vn-2024", "GDVH")
    assert gdvh.council_vote is False and gdvh.config["decide_within_days"] == 10
    assert len(gdvh.config["required_documents"]) == 3  # proposal, list with opinions, minutes (NĐ 86 Art 7(1))
    tieu_bieu = _award(session, "vn-2017", "GDVH_TIEU_BIEU").config
    assert tieu_bieu["prerequisites"][0]["years"] == 3
    assert tieu_bieu["prerequisites"][0]["window_exclusive_of"] == ["GDVH_TIEU_BIEU"]
    assert Fraction(tieu_bieu["evidence"]["min_present_ratio"]) == Fraction(3, 5)
    assert _award(session, "vn-2024", "THON_VH").config["annual"] is True


def test_the_overlay_changes_only_what_the_province_set(session):
    national = session.scalar(select(RuleSet).where(RuleSet.code == "vn-2025"))
    overlay = session.scalar(select(RuleSet).where(RuleSet.code == "vn-2025+bac-ninh"))
    assert Fraction(overlay.content["defaults"]["quorum"]) == Fraction(4, 5)
    assert Fraction(national.content["defaults"]["quorum"]) == Fraction(2, 3)
    assert (overlay.kind, overlay.extends, overlay.content["province"]) == ("overlay", "vn-2025", "Bắc Ninh")
    same = [t.code for t in overlay.award_types if t.code != "TTLDTT"]
    for code in same:
        assert _award(session, "vn-2025+bac-ninh", code).config == _award(session, "vn-2025", code).config, code


def test_periods_have_the_right_legal_bases(session):
    def basis(code):
        return " ".join(session.scalar(select(RuleSet).where(RuleSet.code == code)).content["legal_basis"])
    assert "91/2017/NĐ-CP ngày 31 tháng 7 năm 2017" in basis("vn-2017") and "122/2018/NĐ-CP" in basis("vn-2017")
    assert "98/2023/NĐ-CP ngày 31 tháng 12 năm 2023" in basis("vn-2024") and "86/2023/NĐ-CP" in basis("vn-2024")
    assert "152/2025/NĐ-CP ngày 14 tháng 6 năm 2025" in basis("vn-2025")
    assert "15/2025/TT-BNV ngày 04 tháng 8 năm 2025" in basis("vn-2025")
    for code in ("vn-2017", "vn-2024", "vn-2025", "vn-2026"):
        assert "cần xác minh" not in basis(code) and "verify" not in basis(code)  # printed in decisions


def test_every_legal_number_carries_its_source():
    """Each award type its legal basis; each ballot, cap, meeting evidence, cash and quorum its
    document and article — or the word verify."""
    missing = []
    for path in rule_files():
        spec = read_rule_file(path)
        if not spec.defaults.quorum_source:
            missing.append(f"{path.name}: defaults.quorum_source")
        if not spec.defaults.ballot.source:
            missing.append(f"{path.name}: defaults.ballot.source")
        for t in spec.award_types:
            where = f"{path.name}: {t.code}"
            if not t.source:
                missing.append(f"{where}.source")
            if t.cash_coefficient and not t.cash_source:
                missing.append(f"{where}.cash_source")
            for part in ("ballot", "cap", "evidence"):
                value = getattr(t, part)
                if value is not None and not value.source:
                    missing.append(f"{where}.{part}.source")
            missing += [f"{where}.prerequisites.source" for p in t.prerequisites if not p.source]
    assert not missing, missing


def _copy_rules(tmp_path):
    for p in rule_files():
        shutil.copy(p, tmp_path / p.name)


def _refused(session, tmp_path) -> RuleSetFileError:
    session.execute(AwardType.__table__.delete())
    session.execute(RuleSet.__table__.delete())
    session.commit()
    with pytest.raises(RuleSetFileError) as info:
        load_rule_sets(session, tmp_path)
    session.rollback()
    assert session.scalar(select(func.count(RuleSet.id))) == 0  # nothing loaded, not even the good files
    return info.value


def test_an_overlapping_period_is_refused_whole(session, tmp_path):
    _copy_rules(tmp_path)
    path = tmp_path / "vn-2026.toml"
    path.write_text(path.read_text().replace("effective_from = 2026-10-01", "effective_from = 2026-09-01"))
    error = _refused(session, tmp_path)
    assert "vn-2026.toml" in error.message and "effective_from" in error.details and "vn-2025" in error.message


def test_an_overlay_extending_nothing_is_refused(session, tmp_path):
    _copy_rules(tmp_path)
    path = tmp_path / "vn-2025+bac-ninh.toml"
    path.write_text(path.read_text().replace('extends = "vn-2025"\n', ""))
    error = _refused(session, tmp_path)
    assert "vn-2025+bac-ninh.toml" in error.message


def test_two_overlays_of_one_province_may_not_overlap(session, tmp_path):
    _copy_rules(tmp_path)
    text = (tmp_path / "vn-2025+bac-ninh.toml").read_text().replace(
        'code = "vn-2025+bac-ninh"', 'code = "vn-2025+bac-ninh-2"')
    (tmp_path / "vn-2025+bac-ninh-2.toml").write_text(text)
    error = _refused(session, tmp_path)
    assert "overlaps vn-2025+bac-ninh" in error.details["effective_from"]


@pytest.mark.parametrize(("mutate", "key"), [
    (lambda t: t.replace('province = "Bắc Ninh"', 'province = "Bắc Ninh"\nsurprise = true'), "surprise"),
    (lambda t: t.replace('quorum = "80/100"', 'quorum = "eighty"'), "defaults.quorum"),
    (lambda t: t.replace('min_members_strict = false', 'min_members_strict = 7'), "min_members_strict"),
])
def test_a_bad_overlay_names_the_key(session, tmp_path, mutate, key):
    _copy_rules(tmp_path)
    path = tmp_path / "vn-2025+bac-ninh.toml"
    path.write_text(mutate(path.read_text()))
    error = _refused(session, tmp_path)
    assert "vn-2025+bac-ninh.toml" in error.message
    assert any(key in name for name in error.details), error.details
